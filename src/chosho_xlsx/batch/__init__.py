"""Many files at once, above the pipeline: each input through pipeline.check_input in
worker processes, their 調書 and the 一覧 written (build); the batch's temporary folder and
workers' lifetime (leftovers). The cli, the book and the portal call these; what the
terminal shows is the cli's."""
