"""Envoyer's collaborator bodies and responses (the user, with the project pivot)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CollaboratorRequest(BaseModel):
    email: str = Field(min_length=1, max_length=255)


class Pivot(BaseModel):
    project_id: int
    collaborator_id: int
    status: str


class CollaboratorRead(BaseModel):
    id: int
    name: str
    email: str
    pivot: Pivot


class CollaboratorEnvelope(BaseModel):
    collaborator: CollaboratorRead


class CollaboratorList(BaseModel):
    collaborators: list[CollaboratorRead]
