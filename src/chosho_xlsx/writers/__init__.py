"""Writers (above the contract, below render): the computed model (or the department's rows and findings) in;
workbooks and JSON out, written atomically (docs/official-layout.md).

layout writes the 調書 in the official layout, summary the batch's 一覧, input_workbook
and example the department input workbook, annotate the department's copy with findings at
their cells, export the computed model as JSON; naming, quoting, outputs (our marker and
manifest) and embed are what every writer shares; common.atomic writes their files."""
