"""Validation patterns refuse what could add a line to a script or a config file."""

from __future__ import annotations

import pytest

from shipyard.core.validation import (
    ABSOLUTE_PATH,
    BLACKFIRE_SERVER_ID,
    BLACKFIRE_SERVER_TOKEN,
    DATABASE_NAME,
    DNS_NAME,
    HOSTNAME_LIKE,
    OPENSSH_PUBLIC_KEY,
    TAG,
    UNIX_USER,
    is_ip,
    is_single_line,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJ6YTpx4n7lbjUk4eH3vb0GSS1pDUyArn9gUQgJQ/xz me@host"


@pytest.mark.parametrize(
    ("pattern", "good"),
    [
        (UNIX_USER, "forge"),
        (DATABASE_NAME, "app_db"),
        (HOSTNAME_LIKE, "web-1.example"),
        (TAG, "london server"),
        (ABSOLUTE_PATH, "/home/forge/site.com"),
        (OPENSSH_PUBLIC_KEY, KEY),
        (DNS_NAME, "logs.papertrailapp.com"),
        (BLACKFIRE_SERVER_ID, "d8108598-7a7a-4c5e-8f03-d0bccadc0931"),
        (BLACKFIRE_SERVER_TOKEN, "91bde3fa9350479ba84f90acab46b680142c0f6fe8154a649e82d0d2ddadfa93"),
    ],
)
def test_a_trailing_newline_is_refused(pattern: object, good: str) -> None:
    import re

    assert isinstance(pattern, re.Pattern)
    assert pattern.match(good)
    for suffix in ("\n", "\r\n", "\nrm -rf /"):
        assert not pattern.match(good + suffix), repr(good + suffix)


def test_single_line() -> None:
    assert is_single_line("php artisan queue:work --tries=3")
    assert not any(is_single_line(v) for v in ("a\nb", "a\rb", "a\0b", "a\n"))


@pytest.mark.parametrize("value", ["fe80::1%eth0", "fe80::1%a b;rm -rf /", "10.0.0.1%x"])
def test_scoped_addresses_are_not_ips(value: str) -> None:
    assert not is_ip(value)
    assert is_ip(value.partition("%")[0])
