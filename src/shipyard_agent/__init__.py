"""The Shipyard CI agent: polls the server for workflows, runs them, streams logs, renews the lease.

It shares nothing with the server but `shipyard_protocol`.
"""

__version__ = "0.1.0"
