"""Intake (above the model, below the contract): a path (or uploaded bytes) in; a RawBook
out, or UnreadableFile.

Which files a command was given (files), whether each is safe to open as an .xlsx
(safety: zip and XML bombs, encryption, old .xls, size limits), one streamed pass over
the sheet XML for formulas, errors and number formats (scan, numformat), the cells a tool
marked for a person (marks), and the cell values at their Excel positions (reader).
Nothing here knows the input contract; what it uses from below is common (findings,
limits, text) and the Quantity value type a formatted number is read into."""
