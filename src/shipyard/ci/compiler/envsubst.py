"""`${VAR}` substitution on the raw YAML text, as drone/envsubst does it (Woodpecker's choice).

Supported: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR=default}`, `${VAR:=default}`,
`${VAR^^}`, `${VAR,,}`, `${VAR^}`, `${VAR,}`, `${#VAR}`, `${VAR#prefix}`, `${VAR##prefix}`,
`${VAR%suffix}`, `${VAR%%suffix}`, `${VAR/old/new}`, `${VAR//old/new}`, `${VAR:offset[:length]}`,
and `$$` for a literal `$`. Unknown variables become empty strings.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN = re.compile(r"\$\$|\$\{(?P<expr>[^}]*)\}|\$(?P<name>" + _NAME + ")")
_EXPR = re.compile(r"^(?P<len>#)?(?P<name>" + _NAME + r")(?P<op>.*)\Z", re.DOTALL)


class SubstitutionError(ValueError):
    """A `${...}` expression that cannot be parsed."""


def _trim(value: str, pattern: str, *, prefix: bool, longest: bool) -> str:
    sizes = range(len(value), -1, -1) if longest else range(len(value) + 1)
    for size in sizes:
        part = value[:size] if prefix else value[len(value) - size :]
        if fnmatch.fnmatchcase(part, pattern):
            return value[size:] if prefix else value[: len(value) - size]
    return value


def _apply(value: str | None, op: str) -> str:
    text = value or ""
    if not op:
        return text
    for marker, unset_only in ((":-", False), (":=", False), ("-", True), ("=", True)):
        if op.startswith(marker):
            default = op[len(marker) :]
            if unset_only:
                return text if value is not None else default
            return text or default
    transforms = {"^^": str.upper, ",,": str.lower}
    if op in transforms:
        return transforms[op](text)
    if op == "^":
        return text[:1].upper() + text[1:]
    if op == ",":
        return text[:1].lower() + text[1:]
    if op.startswith("##"):
        return _trim(text, op[2:], prefix=True, longest=True)
    if op.startswith("#"):
        return _trim(text, op[1:], prefix=True, longest=False)
    if op.startswith("%%"):
        return _trim(text, op[2:], prefix=False, longest=True)
    if op.startswith("%"):
        return _trim(text, op[1:], prefix=False, longest=False)
    if op.startswith("//") or op.startswith("/"):
        every = op.startswith("//")
        old, _, new = op[2 if every else 1 :].partition("/")
        if not old:
            return text
        return text.replace(old, new) if every else text.replace(old, new, 1)
    match = re.fullmatch(r":\s*(-?\d+)(?::\s*(\d+))?", op)
    if match:
        start = int(match.group(1))
        start = max(0, len(text) + start) if start < 0 else start
        if match.group(2) is None:
            return text[start:]
        return text[start : start + int(match.group(2))]
    raise SubstitutionError(f"unsupported substitution ${{...{op}}}")


def substitute(text: str, env: Mapping[str, str]) -> str:
    """Replace every variable reference in `text` with its value from `env`."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("name"):
            return env.get(match.group("name"), "")
        expr = match.group("expr")
        parsed = _EXPR.match(expr)
        if parsed is None:
            raise SubstitutionError(f"bad substitution ${{{expr}}}")
        value = env.get(parsed.group("name"))
        if parsed.group("len"):
            if parsed.group("op"):
                raise SubstitutionError(f"bad substitution ${{{expr}}}")
            return str(len(value or ""))
        return _apply(value, parsed.group("op"))

    return _TOKEN.sub(replace, text)
