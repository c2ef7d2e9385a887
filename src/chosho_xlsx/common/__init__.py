"""Small things every stage shares, each in one place: where the data files are
(resources), how typed text is folded for comparing (text), and cell addresses —
column letters, 「H7」, 「指標!H7」 (addresses)."""
