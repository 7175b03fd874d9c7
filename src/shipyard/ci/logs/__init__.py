"""CI logs."""
