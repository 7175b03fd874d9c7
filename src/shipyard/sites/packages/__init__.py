"""Composer packages authentication: the site user's `~/.config/composer/auth.json`."""
