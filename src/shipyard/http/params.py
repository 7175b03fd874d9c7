"""Typed path parameters shared by the routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Path

from shipyard.core.db import MAX_ID

__all__ = ["MAX_ID", "ResourceId", "path_id"]

# An id that cannot exist is refused (422 naming the parameter) before SQL sees it.
ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="a resource id")]


def path_id(name: str) -> Callable[..., Awaitable[int]]:
    """A dependency that reads the path parameter `name` as a `ResourceId`: for the routes a
    function adds for several resources, whose id parameters have different names."""

    async def read(value: int = Path(alias=name, ge=1, le=MAX_ID, description="a resource id")) -> int:
        return value

    return read
