"""Dashboard pages of servers and their resources."""
