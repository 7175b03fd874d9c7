"""The CI (Woodpecker) pages of the dashboard."""
