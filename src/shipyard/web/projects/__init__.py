"""Project pages (zero-downtime deployments)."""
