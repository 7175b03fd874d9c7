"""The shared API conventions: paging, errors, body formats, output formats, health and docs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx
import pytest

from tests.support.api import Account, client, new_user
from tests.support.server import ShipyardServer


@pytest.fixture(scope="module")
def listed(server: ShipyardServer, admin_account: Account) -> Account:
    """A user with 57 credentials to page through."""
    user = new_user(server, admin_account)
    with client(server, user) as http:
        for i in range(57):
            response = http.post(
                "/api/v1/credentials", json={"type": "ocean2", "name": f"c{i:02}", "api_token": "x"}
            )
            assert response.status_code == 201, response.text
    return user


def _links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))}


def test_default_and_maximum_page_size(server: ShipyardServer, listed: Account) -> None:
    with client(server, listed) as http:
        first = http.get("/api/v1/credentials")
        assert first.headers["x-total-count"] == "57"
        assert len(first.json()["credentials"]) == 30
        capped = http.get("/api/v1/credentials", params={"limit": 500})
        assert len(capped.json()["credentials"]) == 50


def test_page_and_limit_with_link_header(server: ShipyardServer, listed: Account) -> None:
    with client(server, listed) as http:
        page = http.get("/api/v1/credentials", params={"page": 2, "limit": 10})
        names = [c["name"] for c in page.json()["credentials"]]
        assert names == [f"c{i:02}" for i in range(10, 20)]
        links = _links(page)
        assert set(links) == {"first", "prev", "next", "last"}
        assert "page=6" in links["last"] and "limit=10" in links["last"]
        assert "page=3" in links["next"] and "page=1" in links["prev"]
        # Following `next` to the end walks every item exactly once.
        seen, url = [], f"{server.url}/api/v1/credentials?limit=10"
        while url:
            response = http.get(url)
            seen += [c["name"] for c in response.json()["credentials"]]
            url = _links(response).get("next", "")
        assert seen == [f"c{i:02}" for i in range(57)]


def test_per_page_and_start(server: ShipyardServer, listed: Account) -> None:
    with client(server, listed) as http:
        woodpecker = http.get("/api/v1/credentials", params={"page": 3, "perPage": 5})
        assert [c["name"] for c in woodpecker.json()["credentials"]] == [f"c{i:02}" for i in range(10, 15)]
        assert "perPage=5" in _links(woodpecker)["next"]
        gforge = http.get("/api/v1/credentials", params={"start": 55, "limit": 10})
        assert [c["name"] for c in gforge.json()["credentials"]] == ["c55", "c56"]
        assert gforge.headers["x-total-count"] == "57"


def test_links_never_echo_a_query_token(server: ShipyardServer, listed: Account) -> None:
    response = httpx.get(f"{server.url}/api/v1/credentials", params={"limit": 5, "token": listed.token})
    assert response.status_code == 200
    assert listed.token not in response.headers["link"]


def test_bad_paging_parameters_are_422(server: ShipyardServer, listed: Account) -> None:
    with client(server, listed) as http:
        for params in ({"page": "x"}, {"page": 0}, {"limit": -1}, {"perPage": "many"}):
            response = http.get("/api/v1/credentials", params=params)
            assert response.status_code == 422, params
            assert next(iter(response.json()["errors"])) in {"page", "limit", "perPage"}


def test_settings_api(server: ShipyardServer) -> None:
    response = httpx.get(f"{server.url}/api/v1/settings/api")
    assert response.json() == {
        "max_response_items": 50,
        "default_paging_num": 30,
        "default_git_trees_per_page": 1000,
        "default_max_blob_size": 10485760,
    }


def test_validation_errors_are_laravel_shaped_and_change_nothing(
    server: ShipyardServer, admin_account: Account
) -> None:
    user = new_user(server, admin_account)
    with client(server, user) as http:
        cases = [
            ({"json": {"type": 5, "name": ["x"]}}, {"type", "name"}),
            ({"json": {}}, {"type", "name"}),
            ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, {"body"}),
            ({"json": ["a", "list"]}, {"body"}),
            ({"json": {"type": "ocean9", "name": "n"}}, {"type"}),
            ({"json": {"type": "aws", "name": "n", "key": "k"}}, {"secret"}),
        ]
        for request, fields in cases:
            response = http.post("/api/v1/credentials", **request)  # type: ignore[arg-type]
            assert response.status_code == 422, (request, response.text)
            body = response.json()
            assert set(body["errors"]) == fields, body
            assert all(isinstance(r, list) and r and isinstance(r[0], str) for r in body["errors"].values())
            assert body["message"].startswith(next(iter(body["errors"].values()))[0])
        many = http.post("/api/v1/credentials", json={"type": 5, "name": ["x"]}).json()
        assert many["message"].endswith("(and 1 more error)")
        assert http.get("/api/v1/credentials").headers["x-total-count"] == "0"


def test_nul_characters_are_refused_on_the_field(server: ShipyardServer, admin_account: Account) -> None:
    """PostgreSQL cannot store NUL: every backend refuses it on the field, before anything runs."""
    user = new_user(server, admin_account)
    with client(server, user) as http:
        body = http.post("/api/v1/credentials", json={"type": "hetzner", "name": "a\x00b", "api_token": "t"})
        assert body.status_code == 422 and set(body.json()["errors"]) == {"name"}, body.text
        fields = {"type": "hetzner", "name": "n", "api_token": "t", "x": [{"y": "\x00"}]}
        nested = http.post("/api/v1/credentials", json=fields)
        assert nested.status_code == 422 and set(nested.json()["errors"]) == {"x.0.y"}, nested.text
        form = http.post(
            "/api/v1/credentials",
            content="type=hetzner&name=a%00b&api_token=t",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert form.status_code == 422 and set(form.json()["errors"]) == {"name"}, form.text
        query = http.get("/api/v1/credentials", params={"page": "1\x00"})
        assert query.status_code == 422 and set(query.json()["errors"]) == {"page"}, query.text
        assert http.get("/api/v1/credentials").headers["x-total-count"] == "0"
    with client(server, admin_account) as http:
        assert http.delete("/api/registries/a%00b").status_code == 404
        assert http.get("/api/repos/lookup/a%00b/c").status_code == 404


def test_unknown_fields_are_ignored(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    with client(server, user) as http:
        response = http.post(
            "/api/v1/credentials",
            json={"type": "hetzner", "name": "n", "api_token": "t", "colour": "blue", "id": 99999},
        )
        assert response.status_code == 201
        assert response.json()["credential"]["id"] != 99999


def test_form_encoded_bodies_like_the_php_sdks(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    form = "application/x-www-form-urlencoded"
    created = httpx.post(
        f"{server.url}/api/v1/users/{user.name}/tokens",
        auth=(user.name, user.password),
        content="name=sdk&scopes%5B0%5D=credentials%3Acreate&scopes%5B1%5D=read%3Aservers",
        headers={"Content-Type": form},
    )
    assert created.status_code == 201, created.text
    assert created.json()["scopes"] == ["credentials:create", "read:servers"]
    # Booleans as 1/0.
    made = httpx.post(
        f"{server.url}/api/v1/admin/users",
        headers={**admin_account.headers(), "Content-Type": form},
        content=f"username=f{user.name}&email=f{user.name}%40example.test&password=longenough&admin=1",
    )
    assert made.status_code == 201, made.text
    assert made.json()["is_admin"] is True
    # The same validation errors as JSON.
    with client(server, user) as http:
        bad = http.post("/api/v1/credentials", content="type=ocean2", headers={"Content-Type": form})
        assert bad.status_code == 422 and set(bad.json()["errors"]) == {"name"}
        malformed = http.post("/api/v1/credentials", content="a]=1", headers={"Content-Type": form})
        assert malformed.status_code == 422 and "body" in malformed.json()["errors"]


def test_empty_json_body_is_an_empty_object(server: ShipyardServer, admin_account: Account) -> None:
    """The Forge SDK POSTs `Content-Type: application/json` with no body; that is `{}`, never a 500."""
    user = new_user(server, admin_account)
    with client(server, user) as http:
        response = http.post("/api/v1/credentials", headers={"Content-Type": "application/json"}, content=b"")
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"type", "name"}


def test_xml_output(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    with client(server, user) as http:
        by_param = http.get("/api/v1/user", params={"format": "xml"})
        by_accept = http.get("/api/v1/user", headers={"Accept": "application/xml"})
        json_default = http.get("/api/v1/user", headers={"Accept": "application/json, application/xml"})
    for response in (by_param, by_accept):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        root = ET.fromstring(response.content)
        assert root.findtext("user/name") == user.name
        assert root.find("user/field[@name='2fa_enabled']") is not None
    assert json_default.json()["user"]["name"] == user.name


def test_health_version_and_docs(server: ShipyardServer) -> None:
    # The OpenAPI document is built on first request: seconds on a busy 2-core machine.
    with httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.get("/healthz").status_code == 204
        assert http.get("/version").json() == {
            "source": "https://github.com/shipyard-dev/shipyard",
            "version": "0.1.0",
        }
        document = http.get("/swagger.v1.json").json()
        assert document["openapi"].startswith("3.") and "/api/v1/user" in document["paths"]
        assert "swagger" in http.get("/api/swagger").text.lower()
        missing = http.get("/api/v1/no-such-thing")
        assert missing.status_code == 404 and missing.json() == {"message": "Not Found."}


def test_ids_and_pages_beyond_any_integer_column(server: ShipyardServer, admin_account: Account) -> None:
    user = new_user(server, admin_account)
    with client(server, user) as http:
        for huge in (2**31, 2**63):
            response = http.get(f"/api/v1/credentials/{huge}")
            assert response.status_code == 422, response.text
            assert list(response.json()["errors"]) == ["credential_id"]
        assert http.delete(f"/api/v1/users/{user.name}/tokens/{2**63}").status_code == 404
        last = http.get("/api/v1/credentials", params={"page": 2**31 - 1})
        assert last.status_code == 200 and last.json()["credentials"] == []
        assert http.get("/api/v1/credentials", params={"page": 2**31}).status_code == 422
        assert http.get("/api/v1/credentials", params={"start": 2**62}).json()["credentials"] == []
