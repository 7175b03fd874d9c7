"""CI secrets."""
