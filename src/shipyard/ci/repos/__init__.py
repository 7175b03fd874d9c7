"""CI repos."""
