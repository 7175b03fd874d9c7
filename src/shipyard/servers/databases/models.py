"""Databases and database users on a server's MariaDB/MySQL or PostgreSQL, and which user may use which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.core.secrets import EncryptedString
from shipyard.servers.models import OnServer, Server

# A grant: the user may use the database (ALL privileges on it).
database_grants = Table(
    "database_grants",
    Base.metadata,
    Column("database_user_id", ForeignKey("database_users.id", ondelete="CASCADE"), primary_key=True),
    Column("database_id", ForeignKey("databases.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Database(OnServer, Base):
    __tablename__ = "databases"
    __table_args__ = (UniqueConstraint("server_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    server: Mapped[Server] = relationship(lazy="raise")


class DatabaseUser(OnServer, Base):
    __tablename__ = "database_users"
    __table_args__ = (UniqueConstraint("server_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept only until the host has the user: forgotten once it is installed.
    password: Mapped[str | None] = mapped_column(
        EncryptedString(2048), deferred=True, deferred_raiseload=True
    )

    server: Mapped[Server] = relationship(lazy="raise")
    databases: Mapped[list[Database]] = relationship(
        secondary=database_grants, lazy="raise", order_by=Database.id, passive_deletes=True
    )
