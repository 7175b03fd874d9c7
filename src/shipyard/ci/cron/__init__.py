"""CI cron."""
