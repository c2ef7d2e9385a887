"""Stage 2, the input contract (docs/input-format.md): a RawBook in; the input model and
the findings at their cells out.

spec declares the contract (schemas/input.yaml expanded for one year and plan period),
parsers turn one raw cell into a typed value or a CellError, schema runs the column-local
checks through pandera, loader binds the records to the model, crosschecks looks across
rows and sheets, and findings is what all of them report."""
