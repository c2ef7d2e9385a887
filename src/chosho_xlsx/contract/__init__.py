"""The input contract (docs/input-format.md; above intake and rules, below the writers): a RawBook in; the input model and
the findings at their cells out.

spec declares the contract (schemas/input.yaml expanded for one year and plan period),
parsers turn one raw cell into a typed value or a CellError, columns runs the column-local
checks through pandera, loader binds the records to the model, crosschecks looks across
rows and sheets; all of them report into common.findings. Some cross-checks need a
derived value (a 見直し区分 against the budget's change, a sub-project's parent), so they
call the rules engine (rules.engine) as the 調書 will."""
