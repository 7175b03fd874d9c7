"""CI queue."""
