"""Certificates of a site, and the ACME accounts Shipyard orders Let's Encrypt certificates with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.core.secrets import EncryptedString
from shipyard.servers.models import OnServer

# How a certificate came to be: a key and signing request made here (`new`), a key and
# certificate given (`existing`), a copy of another site's (`clone`), or ordered over ACME.
TYPES = ("new", "existing", "clone", "letsencrypt")


class Certificate(OnServer, Base):
    __tablename__ = "certificates"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(16))
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)  # what it is (to be) issued for
    request_status: Mapped[str] = mapped_column(String(16), default="created")
    # pending (a signing request waiting for its certificate), installing (being ordered),
    # installed (usable), failed (the order failed), removing.
    status: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    activation_status: Mapped[str | None] = mapped_column(String(16))  # activating, activated, failed
    private_key: Mapped[str] = mapped_column(EncryptedString())  # PEM; never returned
    csr: Mapped[str | None] = mapped_column(Text)
    certificate: Mapped[str | None] = mapped_column(Text)  # PEM: the certificate, then its chain
    expires_at: Mapped[datetime | None] = mapped_column()
    # Ordered with DNS-01: the DNS provider (cloudflare, route53, digitalocean) and its credentials
    # (JSON, encrypted; never returned), kept for renewals.
    dns_provider: Mapped[str | None] = mapped_column(String(16))
    dns_credentials: Mapped[str | None] = mapped_column(EncryptedString())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AcmeAccount(Base):
    """The account Shipyard holds at an ACME directory (one per directory URL)."""

    __tablename__ = "acme_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    directory: Mapped[str] = mapped_column(String(1024), unique=True)
    key: Mapped[str] = mapped_column(EncryptedString())  # the account's private key, PEM
    uri: Mapped[str] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
