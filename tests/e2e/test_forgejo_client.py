"""The Forgejo client from PyPI (`clientapi-forgejo`) against a live Shipyard.

The client validates every response into strict Pydantic models, so a field of the wrong type
fails the call just as it would for a user of the client. As in client-notes.md, the client is
pointed at `/api/v1` and authenticates tokens with `?token=` (what its `Forgejo(host, key)`
wrapper configures) or with a password through basic auth.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from urllib.parse import parse_qsl, urlsplit

import pytest
from clientapi_forgejo.api.admin_api import AdminApi
from clientapi_forgejo.api.settings_api import SettingsApi
from clientapi_forgejo.api.user_api import UserApi
from clientapi_forgejo.api_client import ApiClient
from clientapi_forgejo.configuration import Configuration
from clientapi_forgejo.models.access_token import AccessToken
from clientapi_forgejo.models.create_access_token_option import CreateAccessTokenOption
from clientapi_forgejo.models.create_user_option import CreateUserOption

from tests.support.server import ShipyardServer

TOKENS = 5
PAGE_SIZE = 2
LINK_PART = re.compile(r'<([^>]*)>;\s*rel="([^"]+)"')


def _client(configuration: Configuration) -> Iterator[ApiClient]:
    with ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture(scope="module")
def basic_client(server: ShipyardServer) -> Iterator[ApiClient]:
    """The administrator, authenticated with the initial password (basic auth)."""
    yield from _client(
        Configuration(host=f"{server.url}/api/v1", username="admin", password=server.admin_password)
    )


@pytest.fixture(scope="module")
def admin_token(basic_client: ApiClient) -> str:
    created = UserApi(basic_client).user_create_token(
        "admin", CreateAccessTokenOption(name="client-" + secrets.token_hex(4))
    )
    assert created.sha1 and re.fullmatch(r"[0-9a-f]{40}", created.sha1), created
    assert created.token_last_eight == created.sha1[-8:]
    return created.sha1


@pytest.fixture(scope="module")
def token_client(server: ShipyardServer, admin_token: str) -> Iterator[ApiClient]:
    """The administrator, authenticated with a token the way `Forgejo(host, key)` does: `?token=`."""
    yield from _client(Configuration(host=f"{server.url}/api/v1", api_key={"Token": admin_token}))


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A response header, whatever case the server and the client's header mapping use."""
    assert headers is not None
    return next((value for key, value in headers.items() if key.lower() == name.lower()), None)


def links(value: str | None) -> dict[str, tuple[str, dict[str, str]]]:
    """`Link` as {rel: (URL without its query, query)}."""
    assert value, "no Link header"
    parsed: dict[str, tuple[str, dict[str, str]]] = {}
    for url, rel in LINK_PART.findall(value):
        parts = urlsplit(url)
        parsed[rel] = (f"{parts.scheme}://{parts.netloc}{parts.path}", dict(parse_qsl(parts.query)))
    assert value.count("rel=") == len(parsed), value
    return parsed


def test_create_token_with_password(basic_client: ApiClient) -> None:
    name = "client-" + secrets.token_hex(4)
    created = UserApi(basic_client).user_create_token("admin", CreateAccessTokenOption(name=name))
    assert isinstance(created, AccessToken)
    assert created.name == name
    assert created.id is not None and created.id > 0
    assert created.sha1 and re.fullmatch(r"[0-9a-f]{40}", created.sha1)
    assert created.token_last_eight == created.sha1[-8:]
    assert created.scopes == []


def test_api_settings_with_token(token_client: ApiClient) -> None:
    response = SettingsApi(token_client).get_general_api_settings_with_http_info()
    assert response.status_code == 200
    settings = response.data
    assert settings.max_response_items == 50
    assert settings.default_paging_num == 30
    assert settings.default_git_trees_per_page == 1000
    assert settings.default_max_blob_size == 10485760


def test_token_list_pagination(server: ShipyardServer, token_client: ApiClient, admin_token: str) -> None:
    """A fresh user's tokens, created with the user's own password, listed by the admin's token."""
    owner, password = "u" + secrets.token_hex(5), secrets.token_urlsafe(12)
    user = AdminApi(token_client).admin_create_user(
        CreateUserOption(username=owner, email=f"{owner}@example.test", password=password)
    )
    assert user.login == owner and user.email == f"{owner}@example.test" and user.id
    with ApiClient(Configuration(host=f"{server.url}/api/v1", username=owner, password=password)) as own:
        created = [
            UserApi(own).user_create_token(owner, CreateAccessTokenOption(name=f"t{i}"))
            for i in range(TOKENS)
        ]
    assert all(token.sha1 for token in created)

    users = UserApi(token_client)
    path = f"/api/v1/users/{owner}/tokens"
    last_page = -(-TOKENS // PAGE_SIZE)
    seen: list[AccessToken] = []
    for page in range(1, last_page + 1):
        response = users.user_get_tokens_with_http_info(owner, page=page, limit=PAGE_SIZE)
        assert response.status_code == 200
        assert header(response.headers, "X-Total-Count") == str(TOKENS)
        assert len(response.data) == min(PAGE_SIZE, TOKENS - (page - 1) * PAGE_SIZE)
        seen += response.data

        link = header(response.headers, "Link")
        assert link and admin_token not in link, "the Link header must not echo the token"
        expected: dict[str, int] = {}
        if page > 1:
            expected |= {"first": 1, "prev": page - 1}
        if page < last_page:
            expected |= {"next": page + 1, "last": last_page}
        assert links(link) == {
            rel: (server.url + path, {"page": str(target), "limit": str(PAGE_SIZE)})
            for rel, target in expected.items()
        }

    assert sorted(token.name or "" for token in seen) == sorted(token.name or "" for token in created)
    assert {token.id for token in seen} == {token.id for token in created}
    assert all(token.sha1 in ("", None) for token in seen), "a listed token must not carry its secret"
    assert [token.token_last_eight for token in sorted(seen, key=lambda t: t.id or 0)] == [
        token.token_last_eight for token in sorted(created, key=lambda t: t.id or 0)
    ]
