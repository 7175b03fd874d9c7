"""Strict patterns for every value that may reach a host. A value that fails is a 422; one that
passes is still quoted when rendered."""

from __future__ import annotations

import ipaddress
import re
import zoneinfo
from functools import lru_cache

HOSTNAME_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
DATABASE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
UNIX_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
ABSOLUTE_PATH = re.compile(r"^/[A-Za-z0-9._@+/-]{0,254}$")
TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,63}$")


def is_single_line(value: str) -> bool:
    """No line breaks or NULs: the value cannot add lines to a config file or a script."""
    return not any(char in value for char in "\r\n\0")


def is_ip(value: str) -> bool:
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
