"""Dashboard pages: sign-in, sign-out and the account (two-factor authentication, API tokens)."""
