"""Security rule rules: a realm name nginx can show, a strict path (one rule per path and site),
usernames htpasswd can hold, passwords hashed with bcrypt here (never stored, returned or sent
in clear), and the jobs that gate the site with its rules."""

from __future__ import annotations

import asyncio

import bcrypt
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.hostops.site_rules import htpasswd_user, protected_path, realm_error
from shipyard.servers import resources
from shipyard.sites import nginx_parts
from shipyard.sites.rules import SiteRules
from shipyard.sites.security import repository
from shipyard.sites.security.models import SecurityCredential, SecurityRule
from shipyard.sites.security.schemas import SecurityRuleCreate

# nginx checks the password of every request in its event loop: bcrypt's cost stays moderate
# (Apache's `htpasswd -B` uses 5).
BCRYPT_ROUNDS = 8
MAX_PASSWORD_BYTES = 72  # what bcrypt reads of a password
PATH_RULE = (
    "The path must start with '/' and hold only letters, digits and . _ ~ @ + / - "
    "(no '.' or '..' parts); leave it empty to protect the whole site."
)


def _hash(passwords: list[str]) -> list[str]:
    return [bcrypt.hashpw(p.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode() for p in passwords]


def _password_ok(password: str) -> bool:
    try:
        encoded = password.encode()
    except UnicodeEncodeError:  # a lone surrogate from JSON
        return False
    return b"\x00" not in encoded and len(encoded) <= MAX_PASSWORD_BYTES


def _path(value: str | None) -> str | None:
    """The canonical path, None for the whole site; raises ValueError when it is not a path."""
    if value is None or value == "":
        return None
    path = protected_path(value)
    if path is None:
        raise ValueError(value)
    return None if path == "/" else path


async def create(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: SecurityRuleCreate, *, actor: Actor
) -> SecurityRule:
    """The rule with its credentials, `installing`; its job gates the site in nginx."""
    site, server = await nginx_parts.changeable(session, user, server_id, site_id, "server", "path")
    errors: dict[str, list[str]] = {}
    if reason := realm_error(body.name):
        errors["name"] = [reason]
    path: str | None = None
    try:
        path = _path(body.path)
    except ValueError:
        errors["path"] = [PATH_RULE]
    else:
        if path in await repository.paths(session, site.id):
            errors["path"] = ["The site already has a security rule for this path."]
    seen: set[str] = set()
    for index, credential in enumerate(body.credentials):
        if htpasswd_user(credential.username) is None:
            errors[f"credentials.{index}.username"] = [
                "The username must be letters, digits and . _ @ + - (at most 64)."
            ]
        elif credential.username in seen:
            errors[f"credentials.{index}.username"] = ["The username is already in this rule."]
        seen.add(credential.username)
        if not _password_ok(credential.password):
            errors[f"credentials.{index}.password"] = [
                f"The password must be text of at most {MAX_PASSWORD_BYTES} bytes, without NUL characters."
            ]
    if errors:
        raise ValidationFailed(errors)
    hashes = await asyncio.to_thread(_hash, [credential.password for credential in body.credentials])
    rule = SecurityRule(
        server_id=server.id,
        site_id=site.id,
        name=body.name,
        path=path,
        credentials=[
            SecurityCredential(username=credential.username, password_hash=hashed)
            for credential, hashed in zip(body.credentials, hashes, strict=True)
        ],
    )
    session.add(rule)
    await session.flush()
    resources.enqueue(session, "security_rules.install", rule, actor=actor)
    return rule


RULES = SiteRules("security rule", "security_rules.remove", repository.page, repository.of_site)
