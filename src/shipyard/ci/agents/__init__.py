"""CI agents."""
