"""The rules (docs/rules.md): the input model in; the computed 調書 (model.chosho.Report)
out.

engine: every derived value of the 調書 (達成率, 進捗状況, 事業費 totals, the proposed
見直し区分 …) as pure functions over the model, with the settings the planning division
may change (model.ruleset) passed in. No I/O."""
