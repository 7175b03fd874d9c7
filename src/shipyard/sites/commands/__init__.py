"""Commands run in a site's directory as its user."""
