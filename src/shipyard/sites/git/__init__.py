"""A site's git repository and deploy key."""
