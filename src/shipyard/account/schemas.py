"""Bodies of the credential and region endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CredentialCreate(BaseModel):
    type: str = Field(description="ocean2, akamai, vultr2, aws or hetzner")
    name: str = Field(min_length=1, max_length=255)
    api_token: str | None = Field(default=None, description="for ocean2, akamai, vultr2 and hetzner")
    key: str | None = Field(default=None, description="AWS access key id")
    secret: str | None = Field(default=None, description="AWS secret access key")


class CredentialRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    type: str
    name: str


class CredentialList(BaseModel):
    credentials: list[CredentialRead]


class CredentialEnvelope(BaseModel):
    credential: CredentialRead


class SizeRead(BaseModel):
    id: str
    size: str
    name: str


class RegionRead(BaseModel):
    id: str
    name: str
    sizes: list[SizeRead]


class RegionCatalogue(BaseModel):
    regions: dict[str, list[RegionRead]]


class ForgeUser(BaseModel):
    """The Forge `user` object. Billing fields have fixed self-hosted values."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: int
    name: str
    email: str
    card_last_four: str | None = None
    connected_to_github: bool = False
    connected_to_gitlab: bool = False
    connected_to_bitbucket_two: bool = False
    connected_to_digitalocean: bool = False
    connected_to_linode: bool = False
    connected_to_vultr: bool = False
    connected_to_aws: bool = False
    connected_to_hetzner: bool = False
    ready_for_billing: bool = True
    stripe_is_active: int = 1
    stripe_price: str = "self-hosted"
    subscribed: int = 1
    can_create_servers: bool = True
    two_factor_enabled: bool = Field(alias="2fa_enabled")


class ForgeUserEnvelope(BaseModel):
    user: ForgeUser
