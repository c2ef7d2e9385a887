"""On top of the stages: one file through stages 1–3, from a path to the computed 調書, and
its findings as JSON for programs (pipeline); many files at once in worker processes,
writing their 調書 and 一覧 (build); the batch's temporary folder and workers' lifetime
(leftovers). The cli, the book and the portal call these; what the terminal shows is the
cli's."""
