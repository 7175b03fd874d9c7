"""What travels to a host and what comes back: the contract between `hostops` and `remote`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

RESULT_MARKER = "SHIPYARD_RESULT "
MASK = "********"


@dataclass(frozen=True)
class Script:
    """A rendered host-side action: a bash script plus the files it installs.

    `files` are uploaded next to the script (the script finds them in `$SHIPYARD_STAGING`) and
    the script decides whether to install them. `secrets` are masked in every output line.
    Non-idempotent scripts are never retried automatically.
    """

    name: str
    body: str
    files: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    idempotent: bool = True

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, MASK)
        return text


@dataclass(frozen=True)
class HostResult:
    """How a script ended on one host; `result` is the JSON of its last `SHIPYARD_RESULT` line."""

    host: str
    exit_code: int
    output: str
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def changed(self) -> bool | None:
        value = self.result.get("changed")
        return value if isinstance(value, bool) else None


def parse_result(output: str) -> dict[str, Any]:
    """The payload of the last `SHIPYARD_RESULT {json}` line, or {} when there is none."""
    for line in reversed(output.splitlines()):
        if line.startswith(RESULT_MARKER):
            try:
                value = json.loads(line[len(RESULT_MARKER) :])
            except json.JSONDecodeError:
                return {}
            return value if isinstance(value, dict) else {}
    return {}
