"""Renderers for firewall rules: tcp rules in ufw, each tagged with the comment `shipyard-rule-<id>`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.core.validation import ip_or_network, port_or_range
from shipyard.hostops.render import script

RULE_TYPES = ("allow", "deny")
# ufw's own record of each rule (/etc/ufw/user.rules, user6.rules):
#   ### tuple ### ACTION PROTO DPORT DST SPORT SRC DIRECTION[ comment=HEX]
_RULE_FILES = {4: ("/etc/ufw/user.rules", "0.0.0.0/0"), 6: ("/etc/ufw/user6.rules", "::/0")}


def comment(rule_id: int) -> str:
    return f"shipyard-rule-{rule_id}"


@dataclass(frozen=True)
class FirewallRuleSpec:
    id: int
    port: str  # "8080" or "8000:8100"
    type: str  # allow | deny
    source: str | None  # a canonical address or network; None for anywhere

    def __post_init__(self) -> None:
        # The service validated these already; a renderer never trusts its input.
        if port_or_range(self.port) != self.port or self.type not in RULE_TYPES:
            raise ValueError(f"not a valid firewall rule: {self!r}")
        if self.source is not None and ip_or_network(self.source) != self.source:
            raise ValueError(f"not a valid source address: {self.source!r}")

    @property
    def comment(self) -> str:
        return comment(self.id)

    @property
    def description(self) -> str:
        return f"{self.type} {self.port}/tcp from {self.source or 'anywhere'}"

    def tuple_patterns(self) -> list[tuple[str, str]]:
        """(file, ERE) for ufw's record of any rule on the same port and source, whatever its action.

        ufw keeps one rule per port and source: adding ours over it would only relabel or skip it.
        """
        versions = [4, 6] if self.source is None else [ipaddress.ip_network(self.source).version]
        patterns = []
        for version in versions:
            path, anywhere = _RULE_FILES[version]
            fields = [self.port, anywhere, "any", self.source or anywhere]
            escaped = " ".join(field.replace(".", r"\.") for field in fields)
            patterns.append((path, rf"^### tuple ### [a-z_]+ tcp {escaped} in( comment=[0-9a-f]*)?$"))
        return patterns


def render_install(spec: FirewallRuleSpec) -> Script:
    """Add the rule unless it is there; deny rules go first, so that they win over broader allows."""
    return script("firewall-install", "firewall_install.sh.j2", spec=spec, patterns=spec.tuple_patterns())


def render_remove(rule_id: int) -> Script:
    """Delete exactly the ufw rules tagged with this rule's comment (IPv4 and IPv6), nothing else."""
    return script("firewall-remove", "firewall_remove.sh.j2", comment=comment(rule_id), rule_id=rule_id)
