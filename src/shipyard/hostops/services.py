"""Renderers for service actions: systemctl start/stop/restart of one service, and `nginx -t`."""

from __future__ import annotations

import re
from typing import Literal

from shipyard.core.script import Script
from shipyard.hostops.render import script

Action = Literal["start", "stop", "restart"]
ACTIONS: tuple[Action, ...] = ("start", "stop", "restart")

# systemd's unit name characters (less `\`, which only escapes), starting with a letter or digit.
SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,127}\Z")
# Unit types other than services: starting `poweroff.target` is not a service action.
OTHER_UNIT_TYPES = (
    ".target", ".socket", ".timer", ".mount", ".automount", ".path", ".slice", ".scope", ".device", ".swap",
)  # fmt: skip


class NotAService(ValueError):
    """The name is not a systemd service name."""


def service_unit(name: str) -> str:
    """`nginx` -> `nginx.service`; raises NotAService for anything but a plain service name."""
    if not SERVICE_NAME.fullmatch(name):
        raise NotAService(
            f"The service must be a systemd service name (letters, digits and : _ . @ -), not {name!r}."
        )
    if name.endswith(OTHER_UNIT_TYPES):
        raise NotAService(f"{name} is not a service; only services can be started, stopped or restarted.")
    return name if name.endswith(".service") else f"{name}.service"


def render_control(action: Action, unit: str, *, test_nginx: bool = False) -> Script:
    """`systemctl <action> <unit>` on an existing unit, then check the state it should be in.

    With `test_nginx`, `nginx -t` must pass before nginx is (re)started. The result reports
    `found` (whether the unit exists) and `active` (`systemctl is-active` afterwards).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown service action {action!r}")
    if service_unit(unit) != unit:
        raise NotAService(f"{unit!r} is not a full service unit name")
    return script(
        f"service-{action}",
        "services_control.sh.j2",
        idempotent=action != "restart",
        action=action,
        unit=unit,
        test_nginx=test_nginx and action != "stop",
    )


def render_nginx_test() -> Script:
    """Print exactly what `nginx -t` prints, whether the configuration passes or not."""
    return script("nginx-test", "services_nginx_test.sh.j2")
