"""CI pipelines."""
