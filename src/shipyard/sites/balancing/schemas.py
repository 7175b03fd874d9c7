"""Forge's load balancing bodies: `servers` in, `nodes` out."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_NODES = 100


class NodeUpdate(BaseModel):
    id: int = Field(ge=1, le=2**31 - 1, description="a server of yours")
    weight: int = Field(default=1, ge=1, le=1000)
    port: int = Field(default=80, ge=1, le=65535)
    backup: bool = False
    down: bool = False


class BalancingUpdate(BaseModel):
    servers: list[NodeUpdate] = Field(default_factory=list, max_length=MAX_NODES)
    method: str = Field(
        default="round_robin", max_length=16, description="round_robin, least_conn or ip_hash"
    )


class NodeRead(BaseModel):
    server_id: int
    weight: int
    down: bool
    backup: bool
    port: int


class BalancingRead(BaseModel):
    nodes: list[NodeRead]
    method: str
    status: str | None = Field(description="installing, installed or failed; null before it was ever set")
