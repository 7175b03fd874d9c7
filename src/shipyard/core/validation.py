"""Strict patterns for every value that may reach a host. A value that fails is a 422; one that
passes is still quoted when rendered. Patterns end in `\\Z`, never `$`, which also matches
before a trailing newline."""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from functools import lru_cache

HOSTNAME_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\Z")
DATABASE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}\Z")
UNIX_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")
ABSOLUTE_PATH = re.compile(r"^/[A-Za-z0-9._@+/-]{0,254}\Z")
TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,63}\Z")
PORT_OR_RANGE = re.compile(r"^([0-9]{1,5})(?::([0-9]{1,5}))?\Z")
OPENSSH_PUBLIC_KEY = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com"
    r"|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]{16,16384}={0,3}(?: [^\x00-\x1f\x7f]{0,1024})?\Z"
)
# One address, no display name: the dot-atom local part of RFC 5322 and a host name with a dot.
EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z"
)
# A display name: one line, no shell metacharacters (names are labels, never code).
LABEL = re.compile(r"^(?=.*\S)[^\x00-\x1f\x7f;&|$`<>\\\"]{1,255}\Z")
LABEL_RULE = 'The name must be one line of text without ; & | $ ` < > \\ or ".'
_IP_CHARS = re.compile(r"^[0-9A-Fa-f.:/]{2,49}\Z")
# A DNS name: dot-separated labels of letters, digits and inner hyphens (RFC 1123), at most 253.
DNS_NAME = re.compile(
    r"^(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?\Z"
)
# A git branch or tag name (git check-ref-format, narrowed): no leading dash or dot, no `..`,
# no `//`, no trailing `/`, `.` or `.lock`.
GIT_REF = re.compile(
    r"^(?![-./])(?!.*\.\.)(?!.*//)(?!.*@\{)(?!.*\.lock\Z)[A-Za-z0-9._/@+-]{0,254}[A-Za-z0-9_@+-]\Z"
)
# A git remote: scp-like `user@host:path` or an ssh/git/http(s)/file URL, nothing a shell reads.
GIT_URL = re.compile(
    r"^(?:(?:ssh|git|https?)://[A-Za-z0-9._~%@:\[\]-]+(?:/[A-Za-z0-9._~%+@/-]*)?"
    r"|file:///[A-Za-z0-9._~+@/-]+"
    r"|[A-Za-z0-9][A-Za-z0-9._-]{0,63}@[A-Za-z0-9][A-Za-z0-9.-]{0,252}:[A-Za-z0-9._~+@/-]{1,512})\Z"
)
# `owner/name` on a hosted git provider.
REPOSITORY_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[A-Za-z0-9._-]{1,100}\Z")
# A path inside a release or deployment directory: relative, no `..` component.
RELATIVE_PATH = re.compile(r"^(?!/)(?!(?:.*/)?\.\.(?:/|\Z))[A-Za-z0-9._@+/-]{1,255}\Z")

# Blackfire's server credentials: a UUID-like id and a hex token (64 characters today).
BLACKFIRE_SERVER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{7,127}\Z")
BLACKFIRE_SERVER_TOKEN = re.compile(r"^[A-Za-z0-9]{16,256}\Z")


def is_single_line(value: str) -> bool:
    """No line breaks or NULs: the value cannot add lines to a config file or a script."""
    return not any(char in value for char in "\r\n\0")


def is_clean_absolute_path(value: str) -> bool:
    """An ABSOLUTE_PATH without `.` or `..` components or a trailing slash (the root aside)."""
    if not ABSOLUTE_PATH.match(value):
        return False
    parts = value.split("/")[1:]
    return value == "/" or all(part not in ("", ".", "..") for part in parts)


def is_ip(value: str) -> bool:
    """An IPv4 or IPv6 address; no IPv6 scope (`%eth0`): Python accepts any text after the `%`."""
    if "%" in value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


@lru_cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(value: str) -> bool:
    return value in _timezones()


def port_or_range(value: int | str) -> str | None:
    """A TCP port ("8080") or an ascending range ("8000:8100") in canonical form, or None."""
    if isinstance(value, bool):
        return None
    match = PORT_OR_RANGE.match(str(value))
    if match is None:
        return None
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if not 1 <= first <= last <= 65535 or (match.group(2) is not None and first == last):
        return None
    return f"{first}:{last}" if match.group(2) is not None else str(first)


def host_and_port(value: str, default_port: int) -> tuple[str, int] | None:
    """`name[:port]`, `ip[:port]` or `[ipv6]:port` as (host, port), or None.

    The host is a DNS name whose last label is not all digits, or an IP address without a
    scope (a bare IPv6 address takes no port); the port is 1-65535, `default_port` when absent.
    """
    if not is_single_line(value) or len(value) > 300:
        return None
    host, port = value, str(default_port)
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or ":" not in host or (rest and not rest.startswith(":")):
            return None
        port = rest[1:] if rest else port
    elif value.count(":") == 1:
        host, port = value.split(":")
    numeric_top = host.rstrip(".").rsplit(".", 1)[-1].isdigit()
    if not is_ip(host) and (":" in host or not DNS_NAME.match(host) or numeric_top):
        return None
    if not (port.isascii() and port.isdigit() and len(port) <= 5 and 1 <= int(port) <= 65535):
        return None
    return host, int(port)


def join_host_port(host: str, port: int) -> str:
    """`host:port`, with an IPv6 address in brackets (the form `host_and_port` reads back)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def ip_or_network(value: str) -> str | None:
    """An IPv4/IPv6 address or CIDR network in canonical form, or None.

    Host bits must be zero; a full-length prefix is the bare address (as ufw writes it).
    Scoped IPv6 addresses (`fe80::1%eth0`) are refused.
    """
    if not _IP_CHARS.match(value):
        return None
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return None
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)
