"""Renderers for the applications Forge installs into a site: WordPress and phpMyAdmin, both from
Debian's own packages (the hosts reach only the Debian mirror, not wordpress.org).

The package is installed once per server (`/usr/share/wordpress`, `/usr/share/phpmyadmin`) and
copied into the site's web directory as the site user, so the site owns and runs its copy:
- WordPress gets its own `wp-config.php` (database, user, password, salts) instead of Debian's,
  which looks for `/etc/wordpress/config-<host>.php`.
- phpMyAdmin's copy reads its `config.inc.php` from the web directory and keeps its temporary
  files in `<web>/tmp` (Debian's build points at `/etc/phpmyadmin` and `/var/lib/phpmyadmin`);
  the chosen database and user are its configuration storage (pmadb, controluser).
Uninstalling empties the web directory and puts the site's placeholder page back.
"""

from __future__ import annotations

import secrets

from shipyard.core.script import Script
from shipyard.hostops.databases import database_name_error, user_name_error
from shipyard.hostops.render import render_template, script
from shipyard.hostops.sites import SITE_USER_COMMENT, SiteSpec, placeholder

WORDPRESS, PHPMYADMIN = "WordPress", "phpMyAdmin"
APPS = (WORDPRESS, PHPMYADMIN)
PACKAGES = {WORDPRESS: "wordpress", PHPMYADMIN: "phpmyadmin"}
SOURCES = {WORDPRESS: "/usr/share/wordpress", PHPMYADMIN: "/usr/share/phpmyadmin"}
WORDPRESS_SALTS = (
    "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
    "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT",
)  # fmt: skip


def php_string(value: str) -> str:
    """A PHP string literal (single-quoted: only `\\` and `'` are special)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render_wordpress_config(database: str, user: str, password: str) -> str:
    """WordPress's `wp-config.php`: the database credentials and fresh salts."""
    salts = {name: secrets.token_urlsafe(48) for name in WORDPRESS_SALTS}
    return render_template(
        "wp-config.php.j2", database=database, user=user, password=password, salts=salts, php=php_string
    )


def render_phpmyadmin_config(database: str, user: str, password: str) -> str:
    """phpMyAdmin's `config.inc.php`: cookie logins to the local server, `database` as its storage."""
    return render_template(
        "phpmyadmin.config.inc.php.j2",
        database=database,
        user=user,
        password=password,
        blowfish=secrets.token_hex(16),
        php=php_string,
    )


def render_app_install(spec: SiteSpec, app: str, *, database: str, user: str, password: str) -> Script:
    """Install the app's Debian package if needed and copy it, configured, into the site's web
    directory (which must be empty or hold only the placeholder page)."""
    if app not in APPS:
        raise ValueError(f"not an application: {app!r}")
    if database_name_error("mysql", database) or user_name_error("mysql", user) or not password.isalnum():
        raise ValueError("not a database, user and password")
    index_name, index = placeholder(spec)
    config = (
        render_wordpress_config(database, user, password)
        if app == WORDPRESS
        else render_phpmyadmin_config(database, user, password)
    )
    return script(
        "site-app-install",
        "site_app_install.sh.j2",
        files={"config.php": config, "placeholder": index},
        secrets=(password,),
        spec=spec,
        app=app,
        package=PACKAGES[app],
        source=SOURCES[app],
        index_name=index_name,
        database=database,
        site_user_comment=SITE_USER_COMMENT,
    )


def render_app_uninstall(spec: SiteSpec, app: str) -> Script:
    """Empty the site's web directory and put its placeholder page back."""
    if app not in APPS:
        raise ValueError(f"not an application: {app!r}")
    index_name, index = placeholder(spec)
    return script(
        "site-app-uninstall",
        "site_app_uninstall.sh.j2",
        files={"placeholder": index},
        spec=spec,
        app=app,
        index_name=index_name,
        site_user_comment=SITE_USER_COMMENT,
    )
