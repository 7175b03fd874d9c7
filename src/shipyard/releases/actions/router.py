"""`GET /api/actions`: the actions hooks attach to."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.releases.actions.catalogue import ACTIONS, SINCE

router = APIRouter(prefix="/api/actions", tags=["actions"])


class ActionRead(BaseModel):
    id: int
    version: int
    name: str
    view: str
    sequence: int
    created_at: datetime
    updated_at: datetime


class ActionList(BaseModel):
    actions: list[ActionRead]


@router.get("", response_model=ActionList)
async def list_actions(principal: Annotated[Principal, Depends(Authenticator("hooks"))]) -> ActionList:
    return ActionList(
        actions=[
            ActionRead(
                id=action.id,
                version=1,
                name=action.name,
                view=action.view,
                sequence=action.id,
                created_at=SINCE,
                updated_at=SINCE,
            )
            for action in ACTIONS
        ]
    )
