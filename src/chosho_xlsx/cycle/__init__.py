"""The yearly cycle, above the pipeline: next year's input from this year's (rollover),
what changed between two versions (diff), read from workbooks or stored 調書 (sources),
in the sentences of data/cycle.yaml (sentences)."""
