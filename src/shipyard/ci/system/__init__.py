"""CI users, log level and the extension signing key."""
