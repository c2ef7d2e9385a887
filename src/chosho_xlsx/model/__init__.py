"""The shared model, at the bottom with common/: what every layer above speaks in, with no
logic beyond small conveniences and no I/O beyond reading its two data files.

chosho: the 調書 as plain data, what a department typed (input model) and what the rules
derive from it (computed model), and policy_key (when two 施策 are the same one); quantity:
numbers with their units; fiscal: 和暦 years and plan periods; vocabulary: the words of the
form (進捗状況, 目標の向き, 見直し区分, the dashes); ruleset: what the planning division may
change (schemas/rules.yaml); form_texts: the form's labels (form/layout.yaml) and the
texts the 調書 joins into one cell, shared by the contract (which checks they fit) and the
writers (which write them)."""
