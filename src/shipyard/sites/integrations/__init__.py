"""Forge's Laravel integrations of a site: Horizon, Octane, Reverb, Pulse and Inertia daemons, the
scheduler's cron line, and maintenance mode."""
