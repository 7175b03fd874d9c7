"""Dashboard pages of sites: deployments, editors, certificates, workers and rules."""
