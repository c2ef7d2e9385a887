"""On top of the stages: one file through them all (pipeline), many files at once in
worker processes (build), what the terminal shows while they run (console), the batch's
temporary folder and workers' lifetime (leftovers), and findings shown to people and
programs (display). The cli, the book and the portal call these."""
