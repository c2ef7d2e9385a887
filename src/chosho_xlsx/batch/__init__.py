"""On top of the stages: one file through stages 1–3, from a path to the computed 調書
(pipeline), many files at once in worker processes, writing their 調書 and 一覧 (build),
what the terminal shows while they run (console), the batch's temporary folder and
workers' lifetime (leftovers), and findings shown to people and programs (display). The
cli, the book and the portal call these."""
