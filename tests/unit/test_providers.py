"""The key fingerprint DigitalOcean and Hetzner look keys up by is OpenSSH's MD5 fingerprint; the
zones a DNS provider is asked for; the paths a site rename moves."""

from __future__ import annotations

import subprocess
from pathlib import Path

from shipyard.providers.base import key_name, md5_fingerprint, sentence
from shipyard.providers.dns import zone_candidates
from shipyard.remote.keys import generate_keypair
from shipyard.sites.processes import moved


def test_md5_fingerprint_is_ssh_keygens(tmp_path: Path) -> None:
    public = generate_keypair("shipyard").public_openssh
    (tmp_path / "key.pub").write_text(public + "\n")
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-E", "md5", "-f", str(tmp_path / "key.pub")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"MD5:{md5_fingerprint(public)} " in listed
    assert key_name(public) == "shipyard-" + md5_fingerprint(public).replace(":", "")[:16]
    assert key_name(public) == key_name(public.rsplit(" ", 1)[0] + " another-comment")


def test_messages_end_in_a_full_stop() -> None:
    assert sentence("Vultr refused (401): Invalid API token.") == "Vultr refused (401): Invalid API token."
    assert sentence("Unable to authenticate you ") == "Unable to authenticate you."


def test_dns_zones_are_looked_for_from_the_longest_parent() -> None:
    assert zone_candidates("_acme-challenge.www.shop.example.com") == [
        "www.shop.example.com",
        "shop.example.com",
        "example.com",
    ]
    assert zone_candidates("_acme-challenge.example.com") == ["example.com"]


def test_a_renamed_sites_paths_move_and_lookalikes_stay() -> None:
    old, new = "/home/forge/a.test", "/home/forge/b.test"
    assert (
        moved(f"cd {old}\nphp {old}/artisan x; ls {old}", old, new)
        == f"cd {new}\nphp {new}/artisan x; ls {new}"
    )
    assert moved(f"{old}.old {old}-2 {old}x /home/forge/a.testing", old, new) == (
        f"{old}.old {old}-2 {old}x /home/forge/a.testing"
    )
