"""Forge's redirect rule bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shipyard.core.formats import ForgeDateTime
from shipyard.hostops.site_rules import MAX_URL


class RedirectRuleCreate(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    source: str = Field(alias="from", min_length=1, max_length=MAX_URL, description="a path, e.g. /docs")
    target: str = Field(alias="to", min_length=1, max_length=MAX_URL, description="a path or an http(s) URL")
    type: str = Field(default="redirect", max_length=16, description="redirect (302) or permanent (301)")


class RedirectRuleRead(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    id: int
    source: str = Field(serialization_alias="from")
    target: str = Field(serialization_alias="to")
    type: str
    status: str
    created_at: ForgeDateTime


class RedirectRuleEnvelope(BaseModel):
    redirect_rule: RedirectRuleRead


class RedirectRuleList(BaseModel):
    redirect_rules: list[RedirectRuleRead]
