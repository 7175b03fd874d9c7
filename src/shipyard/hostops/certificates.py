"""Renderers for site certificates: the TLS part of a site's nginx configuration, its files, and
the ACME HTTP-01 challenges.

A site's active certificate lives in `/etc/nginx/ssl/site-<site id>/<certificate id>/`
(`server.crt`: the certificate and its chain; `server.key`: mode 0600, root's), named by ids so
that a rename of the site does not move it. The site's `server` part `ssl.conf` makes nginx serve
it on 443 and redirects plain HTTP to HTTPS, except `/.well-known/acme-challenge/`. Challenges
are files in the site's web directory, written as the site user; the `server` part
`acme-challenge.conf` serves them to anyone on plain HTTP. Every nginx change goes through
`hostops.sites.render_nginx_part`: kept only when `nginx -t` passes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from shipyard.core.script import Script
from shipyard.core.validation import UNIX_USER
from shipyard.hostops.render import render_template, script
from shipyard.hostops.sites import SITE_USER_COMMENT, check_user_path, render_nginx_part, site_ssl_dir

TLS_PART = ("server", "ssl.conf")
ACME_PART = ("server", "acme-challenge.conf")
CHALLENGE_DIR = "/.well-known/acme-challenge/"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")  # base64url, as RFC 8555 requires of tokens


def certificate_dir(site_id: int, certificate_id: int) -> str:
    return f"{site_ssl_dir(site_id)}/{certificate_id}"


def certificate_files(site_id: int, certificate_id: int) -> tuple[str, str]:
    """Where nginx reads the certificate (with its chain) and its key."""
    directory = certificate_dir(site_id, certificate_id)
    return f"{directory}/server.crt", f"{directory}/server.key"


def tls_config(site_id: int, certificate_id: int) -> str:
    """The `server` part that serves the certificate on 443 and redirects HTTP to HTTPS."""
    certificate, key = certificate_files(site_id, certificate_id)
    return render_template(
        "certificates_ssl.conf.j2", certificate_id=certificate_id, certificate=certificate, key=key
    )


def render_activate(
    domain: str,
    site_id: int,
    certificate_id: int,
    certificate: str,
    key: str,
    *,
    replaces: Sequence[int] = (),
) -> Script:
    """Serve the certificate for the site (the files of the certificates it `replaces` go)."""
    if not certificate.strip() or not key.strip():
        raise ValueError("a certificate and its key are needed")
    crt_path, key_path = certificate_files(site_id, certificate_id)
    files: dict[str, tuple[str, str]] = {crt_path: (certificate, "0644"), key_path: (key, "0600")}
    for other in replaces:
        if other != certificate_id:
            old_crt, old_key = certificate_files(site_id, other)
            files[old_crt], files[old_key] = ("", "0644"), ("", "0600")
    part, name = TLS_PART
    return render_nginx_part(domain, part, name, tls_config(site_id, certificate_id), files=files)


def render_deactivate(domain: str, site_id: int, certificate_id: int) -> Script:
    """Stop serving the site over TLS: its `ssl.conf` and the certificate's files go."""
    crt_path, key_path = certificate_files(site_id, certificate_id)
    part, name = TLS_PART
    return render_nginx_part(domain, part, name, None, files={crt_path: ("", "0644"), key_path: ("", "0600")})


def render_prune(site_id: int, keep: int | None) -> Script:
    """Remove the site's certificate directories but the active one's (`keep`; None: all of them)."""
    if site_id < 1 or (keep is not None and keep < 1):
        raise ValueError("ids are positive")
    return script(
        "certificates-prune",
        "certificates_prune.sh.j2",
        directory=site_ssl_dir(site_id),
        keep=certificate_dir(site_id, keep) if keep is not None else None,
    )


def acme_config() -> str:
    return render_template("certificates_acme.conf.j2")


def render_acme_location(domain: str, *, present: bool) -> Script:
    """Add (or remove) the `server` part that serves ACME challenges on plain HTTP."""
    part, name = ACME_PART
    return render_nginx_part(domain, part, name, acme_config() if present else None)


def _checked(user: str, web: str, tokens: Sequence[str]) -> None:
    if not UNIX_USER.match(user):
        raise ValueError(f"not a site user: {user!r}")
    check_user_path(user, web)
    for token in tokens:
        if not TOKEN.match(token):
            raise ValueError(f"not an ACME token: {token!r}")


def render_publish_challenges(user: str, web: str, challenges: Mapping[str, str]) -> Script:
    """Write each challenge's key authorization (token -> content) into the web directory's
    `.well-known/acme-challenge/`, as the site user."""
    tokens = list(challenges)
    _checked(user, web, tokens)
    return script(
        "certificates-challenges",
        "certificates_challenges.sh.j2",
        files={f"token-{n}": challenges[token] for n, token in enumerate(tokens)},
        site_user_comment=SITE_USER_COMMENT,
        user=user,
        web=web,
        tokens=tokens,
        publish=True,
    )


def render_remove_challenges(user: str, web: str, tokens: Sequence[str]) -> Script:
    """Remove the challenge files again (and their directories when nothing else is in them)."""
    _checked(user, web, tokens)
    return script(
        "certificates-challenges",
        "certificates_challenges.sh.j2",
        site_user_comment=SITE_USER_COMMENT,
        user=user,
        web=web,
        tokens=list(tokens),
        publish=False,
    )
