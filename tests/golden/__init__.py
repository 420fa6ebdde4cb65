"""Golden files: what each released version writes (see make_golden.py)."""
