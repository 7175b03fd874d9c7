"""Wire formats the vendors use for common values."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, PlainSerializer

# Forge and Envoyer print timestamps as "2016-12-15 15:04:05" (UTC).
ForgeDateTime = Annotated[
    datetime, PlainSerializer(lambda value: value.strftime("%Y-%m-%d %H:%M:%S"), return_type=str)
]

# An id inside a request body: a positive 32-bit integer, like every id column.
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
