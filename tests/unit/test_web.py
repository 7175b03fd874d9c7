"""The dashboard's pure helpers: relative times, where sign-in may send a visitor, form data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from shipyard.web.auth.router import next_page
from shipyard.web.context import filled
from shipyard.web.sections import Input
from shipyard.web.templating import ago, reltime, templates

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=3, seconds=20), "3 minutes ago"),
        (timedelta(hours=2), "2 hours ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=400), "1 year ago"),
        (-timedelta(hours=5), "in 5 hours"),
    ],
)
def test_ago(delta: timedelta, text: str) -> None:
    assert ago(NOW - delta, now=NOW) == text


def test_reltime_shows_the_exact_utc_time_on_hover() -> None:
    markup = str(reltime(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)))
    assert 'title="2026-01-02 03:04:05 UTC"' in markup and 'datetime="2026-01-02T03:04:05+00:00"' in markup
    assert "never" in str(reltime(None))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/servers/3", "/servers/3"),
        ("/account?done=otp-on", "/account?done=otp-on"),
        ("//evil.example/", "/servers"),
        ("/\\evil.example", "/servers"),
        ("https://evil.example/", "/servers"),
        ("", "/servers"),
        (None, "/servers"),
    ],
)
def test_sign_in_only_returns_to_pages_of_this_site(target: str | None, expected: str) -> None:
    assert next_page(target) == expected


def test_blank_fields_are_left_out_at_every_depth() -> None:
    form = {"name": "a", "user": "", "credentials": {"bucket": "b", "region": ""}, "databases": ["1", ""]}
    assert filled(form) == {"name": "a", "credentials": {"bucket": "b"}, "databases": ["1"]}


def test_bracketed_input_names_map_to_the_dotted_error_keys() -> None:
    assert Input("credentials[bucket]", "Bucket").error_key == "credentials.bucket"
    assert Input("credentials[0][username]", "User").error_key == "credentials.0.username"
    assert Input("databases[]", "Databases").error_key == "databases"
    assert Input("credentials[0][username]", "User").id == "credentials-0-username"


def test_a_refused_form_comes_back_as_it_was_filled_in() -> None:
    """The form arrives with bracket names as lists and objects; each input finds its value there."""
    section = SimpleNamespace(key="users")
    form = {"name": "ann", "databases": ["2"], "credentials": {"bucket": "b1"}}
    template = templates.env.get_template("_input.html")

    def html(item: Input, options: tuple[tuple[str, str], ...] = ()) -> str:
        choices = {item.name: options}
        return template.render(item=item, values=form, errors={}, choices=choices, section=section)

    listed = html(Input("databases[]", "Databases", kind="checkboxes"), (("1", "one"), ("2", "two")))
    assert 'value="2" checked' in listed and 'value="1" checked' not in listed
    assert 'value="b1"' in html(Input("credentials[bucket]", "Bucket"))
    assert 'value="ann"' in html(Input("name", "Name"))
    assert 'value="keep"' in html(Input("other", "Other", default="keep"))
    assert "checked" not in html(Input("restart", "Restart", kind="checkbox", default="1"))  # unticked
