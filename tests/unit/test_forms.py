"""PHP-style form bodies become the JSON the routers validate."""

from __future__ import annotations

from typing import Any

import pytest

from shipyard.http.forms import FormBodyError, form_to_data


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"name=web&size=01", {"name": "web", "size": "01"}),
        (b"tags%5B0%5D=a&tags%5B1%5D=b", {"tags": ["a", "b"]}),
        (b"tags[]=a&tags[]=b", {"tags": ["a", "b"]}),
        (b"databases%5B0%5D=3", {"databases": ["3"]}),
        (b"a[b]=c&a[d][0]=e", {"a": {"b": "c", "d": ["e"]}}),
        (b"servers[1]=x&servers[0]=y", {"servers": ["y", "x"]}),
        (b"list[0][name]=x&list[1][name]=y", {"list": [{"name": "x"}, {"name": "y"}]}),
        (b"enabled=1&blank=", {"enabled": "1", "blank": ""}),
        (b"", {}),
    ],
)
def test_decodes_bracket_notation(body: bytes, expected: dict[str, Any]) -> None:
    assert form_to_data(body) == expected


@pytest.mark.parametrize("body", [b"a]=1", b"tags[0]=a&tags[x]=b", b"tags[999999]=a"])
def test_rejects_malformed_names(body: bytes) -> None:
    with pytest.raises(FormBodyError):
        form_to_data(body)
