"""The list-endpoint contract: parse `page` with `limit`/`perPage`/`start`, answer with headers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from shipyard.core.errors import ValidationFailed
from shipyard.core.pagination import PageRequest
from shipyard.core.settings import get_settings

# Bounds that keep offsets inside every database's integers; pages past the end are simply empty.
MAX_PAGE = 2**31 - 1
MAX_OFFSET = 2**62


def page_request(
    request: Request,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")] = 1,
    limit: Annotated[int | None, Query(ge=1, description="page size (Forgejo)")] = None,
    per_page: Annotated[
        int | None, Query(alias="perPage", ge=1, description="page size (Woodpecker)")
    ] = None,
    start: Annotated[
        int | None, Query(ge=0, le=MAX_OFFSET, description="offset of the first item (GForge)")
    ] = None,
) -> PageRequest:
    """Accept the three vendors' paging parameters; sizes are capped at `max_response_items`."""
    settings = get_settings()
    size_param = "perPage" if per_page is not None else "limit"
    size = per_page or limit or settings.default_paging_num
    size = min(size, settings.max_response_items)
    if start is not None and "page" in request.query_params:
        raise ValidationFailed({"start": ["The start field cannot be combined with page."]})
    offset = start if start is not None else (page - 1) * size
    return PageRequest(page=offset // size + 1, size=size, offset=offset, size_param=size_param)


Paging = Annotated[PageRequest, Depends(page_request)]


def set_page_headers(request: Request, response: Response, paging: PageRequest, total: int) -> None:
    """`X-Total-Count` always, `Link` when there is more than one page."""
    response.headers["X-Total-Count"] = str(total)
    link = paging.link_header(str(request.url), total)
    if link:
        response.headers["Link"] = link
