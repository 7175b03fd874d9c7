"""Sites: nginx vhosts, PHP-FPM pools and the directories of the applications a server serves."""
