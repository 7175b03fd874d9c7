"""Failures of the SSH layer, each with a message fit for a server event."""

from __future__ import annotations


class RemoteError(Exception):
    """A host could not be reached or did not let a script run."""


class HostUnreachable(RemoteError):
    pass


class AuthenticationRefused(RemoteError):
    pass


class HostKeyMismatch(RemoteError):
    pass


class ScriptTimeout(RemoteError):
    pass


class TransferFailed(RemoteError):
    """A file could not be copied to or from the host (missing, unreadable, disk full...)."""
