"""WordPress and phpMyAdmin, installed into a site from Debian's packages."""
