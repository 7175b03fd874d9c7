"""Link headers, scope rules and XML rendering."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from shipyard.auth.scopes import Action, allows, is_known
from shipyard.core.pagination import PageRequest
from shipyard.http.formats import to_xml


def test_link_header_middle_page() -> None:
    paging = PageRequest(page=2, size=10, offset=10, size_param="limit")
    link = paging.link_header("http://h/api/v1/x?page=2&limit=10&q=a&token=secret", total=35)
    assert link == (
        '<http://h/api/v1/x?q=a&page=1&limit=10>; rel="first",'
        '<http://h/api/v1/x?q=a&page=1&limit=10>; rel="prev",'
        '<http://h/api/v1/x?q=a&page=3&limit=10>; rel="next",'
        '<http://h/api/v1/x?q=a&page=4&limit=10>; rel="last"'
    )


def test_single_page_has_no_links() -> None:
    assert PageRequest(page=1, size=30, offset=0, size_param="limit").link_header("http://h/x", total=3) == ""


def test_scopes() -> None:
    assert allows(["projects:create"], "servers", Action.READ)
    assert allows([], "servers", Action.DELETE)
    assert allows(["all"], "servers", Action.DELETE)
    assert allows(["servers:create"], "servers", Action.CREATE)
    assert not allows(["servers:create"], "servers", Action.DELETE)
    assert allows(["write:servers"], "servers", Action.DELETE)
    assert not allows(["read:servers"], "servers", Action.CREATE)
    assert is_known("deployments:delete") and is_known("read:repos") and not is_known("servers:destroy")


def test_xml_rendering() -> None:
    root = ET.fromstring(to_xml({"user": {"id": 1, "2fa_enabled": False, "tags": ["a"], "card": None}}))
    assert root.tag == "response"
    assert root.findtext("user/id") == "1"
    assert root.find("user/field[@name='2fa_enabled']").text == "false"  # type: ignore[union-attr]
    assert [i.text for i in root.findall("user/tags/item")] == ["a"]
    assert root.find("user/card").get("nil") == "true"  # type: ignore[union-attr]
