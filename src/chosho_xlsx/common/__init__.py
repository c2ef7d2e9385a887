"""Small things every stage shares, each in one place: where the data files are
(resources)."""
