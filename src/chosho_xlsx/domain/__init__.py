"""Stage 3, the domain (docs/rules.md): the input model in; the computed 調書 out.

Plain data (model), the values it is made of (quantity, fiscal years), the settings the
planning division may change (settings), and the rules engine, pure functions over the
model (rules). No I/O beyond reading the settings file."""
