"""Typed path parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from shipyard.core.db import MAX_ID

__all__ = ["MAX_ID", "ResourceId"]

# An id that cannot exist is refused (422 naming the parameter) before SQL sees it.
ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="a resource id")]
