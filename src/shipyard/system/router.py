"""Service-level endpoints: API settings, health, version."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import text

from shipyard import __version__
from shipyard.core.settings import get_settings
from shipyard.http.session import DbSession
from shipyard.system.schemas import ApiSettings, VersionInfo

SOURCE = "https://github.com/shipyard-dev/shipyard"

router = APIRouter(tags=["system"])


@router.get("/api/v1/settings/api", response_model=ApiSettings)
async def api_settings() -> ApiSettings:
    """Forgejo's paging limits; public, like Forgejo's."""
    settings = get_settings()
    return ApiSettings(
        max_response_items=settings.max_response_items,
        default_paging_num=settings.default_paging_num,
        default_git_trees_per_page=settings.default_git_trees_per_page,
        default_max_blob_size=settings.default_max_blob_size,
    )


@router.get("/healthz", status_code=204, responses={500: {"description": "the database does not answer"}})
async def healthz(session: DbSession) -> Response:
    """204 when the database answers a query; any failure becomes the 500 handler's answer."""
    await session.execute(text("SELECT 1"))
    return Response(status_code=204)


@router.get("/version", response_model=VersionInfo)
async def version() -> VersionInfo:
    return VersionInfo(source=SOURCE, version=__version__)
