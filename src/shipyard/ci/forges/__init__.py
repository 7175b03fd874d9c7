"""CI forges."""
