"""A site's deployment webhooks."""
