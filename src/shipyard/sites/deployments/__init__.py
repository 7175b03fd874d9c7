"""A site's deployments: script, deploy now, quick deploy, history, failure e-mails."""
