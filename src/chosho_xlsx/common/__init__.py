"""Small things every stage shares, each in one place: where the data files are
(resources), how many worker processes by default (machine), how much of a workbook we
read (limits), how typed text is folded for comparing and how Excel counts it (text),
cell addresses — column letters, 「H7」, 「指標!H7」 (addresses), the findings every stage
reports at their locations (findings), the exception hierarchy and exit codes (errors),
every file written whole or not at all (atomic), and the sentences of the command line and the batch in both languages (sentences)."""
