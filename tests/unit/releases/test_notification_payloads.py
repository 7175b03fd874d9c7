"""What a notification says, and the JSON shapes Slack, Discord and Microsoft Teams webhooks take."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shipyard.notify.messages import Channel, Level, Message, email, payload
from shipyard.notify.webhooks import is_webhook_url, masked
from shipyard.releases.deployments.models import Deployment
from shipyard.releases.heartbeats.models import Heartbeat
from shipyard.releases.notifications.service import Event, message_for
from shipyard.releases.projects.models import Project

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
FAILED = Message(
    "App: deployment failed", "Hook 'Break' failed on web-2 (exit code 3).", Level.FAILURE, AT,
    (("Branch", "main"), ("Commit", "c66546e")),
)  # fmt: skip


def test_slack_gets_text_and_one_coloured_attachment_with_fields() -> None:
    assert payload(Channel.SLACK, FAILED) == {
        "username": "Shipyard",
        "text": "App: deployment failed",
        "attachments": [
            {
                "fallback": "App: deployment failed: Hook 'Break' failed on web-2 (exit code 3).",
                "color": "danger",
                "text": "Hook 'Break' failed on web-2 (exit code 3).",
                "fields": [
                    {"title": "Branch", "value": "main", "short": True},
                    {"title": "Commit", "value": "c66546e", "short": True},
                ],
                "footer": "Shipyard",
                "ts": int(AT.timestamp()),
            }
        ],
    }


def test_discord_gets_one_embed_with_an_integer_colour() -> None:
    body = payload(Channel.DISCORD, FAILED)
    assert body["username"] == "Shipyard" and "content" not in body
    [embed] = body["embeds"]
    assert embed == {
        "title": "App: deployment failed",
        "description": "Hook 'Break' failed on web-2 (exit code 3).",
        "color": 0xE01E5A,
        "fields": [
            {"name": "Branch", "value": "main", "inline": True},
            {"name": "Commit", "value": "c66546e", "inline": True},
        ],
        "timestamp": "2026-12-01T09:30:00+00:00",
    }


def test_discord_limits_are_kept() -> None:
    long = Message("t" * 300, "d" * 5000, Level.SUCCESS, AT, tuple((f"f{i}", "") for i in range(30)))
    [embed] = payload(Channel.DISCORD, long)["embeds"]
    assert len(embed["title"]) == 256 and len(embed["description"]) == 4096
    assert len(embed["fields"]) == 25 and embed["fields"][0]["value"] == "-"


def test_teams_gets_a_message_with_one_adaptive_card() -> None:
    body = payload(Channel.TEAMS, FAILED)
    assert body["type"] == "message" and body["summary"] == "App: deployment failed"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    title, text, facts = card["body"]
    assert title["text"] == "App: deployment failed" and title["color"] == "Attention"
    assert text == {"type": "TextBlock", "text": "Hook 'Break' failed on web-2 (exit code 3).", "wrap": True}
    assert facts == {
        "type": "FactSet",
        "facts": [{"title": "Branch", "value": "main"}, {"title": "Commit", "value": "c66546e"}],
    }


def test_email_has_the_title_as_subject_and_the_facts_as_lines() -> None:
    subject, body = email(FAILED)
    assert subject == "App: deployment failed"
    assert body == (
        "Hook 'Break' failed on web-2 (exit code 3).\n\nBranch: main\nCommit: c66546e\n\n"
        "-- Shipyard, 2026-12-01T09:30:00+00:00\n"
    )


def test_a_message_survives_its_job_arguments() -> None:
    assert Message.from_dict(FAILED.to_dict()) == FAILED


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.slack.com/services/T0/B0/abc", True),
        ("http://127.0.0.1:8080/hook", True),
        ("ftp://hooks.example.test/x", False),
        ("https:///no-host", False),
        ("http://a b.test/", False),
        ("https://example.test/\nX-Injected: 1", False),
        ("http://example.test:99999/", False),
        ("javascript:alert(1)", False),
        ("https://example.test/" + "x" * 2100, False),
    ],
)
def test_webhook_urls_are_http_with_a_host(url: str, ok: bool) -> None:
    assert is_webhook_url(url) is ok


def test_a_stored_webhook_is_shown_masked() -> None:
    assert masked("https://hooks.slack.com/services/T0/B0/secretXYZ9") == "https://hooks.slack.com/…XYZ9"
    assert masked("http://user:pw@127.0.0.1:8080/hook/abcdef") == "http://127.0.0.1:8080/…cdef"


def test_events_say_what_happened() -> None:
    project = Project(name="Shop", monitor="https://shop.example.test/up")
    deployment = Deployment(
        id=7, reference="main", commit_branch="main", commit_hash="c66546e0123", commit_author="Ada",
        release="20261201093000", commit_message="Fix checkout\n\nlong story",
    )  # fmt: skip
    done = message_for(project, Event.DEPLOYMENT_FINISHED, deployment=deployment)
    assert (done.title, done.level) == ("Shop: deployment finished", Level.SUCCESS)
    assert dict(done.facts) == {
        "Deployment": "7", "Branch": "main", "Commit": "c66546e", "Author": "Ada",
        "Release": "20261201093000", "Message": "Fix checkout",
    }  # fmt: skip
    failed = message_for(project, Event.DEPLOYMENT_FAILED, deployment=deployment, reason="Boom.")
    assert (failed.title, failed.text, failed.level) == ("Shop: deployment failed", "Boom.", Level.FAILURE)
    health = message_for(project, Event.HEALTH_CHECK_FAILED, deployment=deployment, reason="502 from web-1")
    assert health.title == "Shop: health check failed" and health.text == "502 from web-1"
    beat = Heartbeat(name="Backups", interval=1440, last_checked_in_at=AT)
    missing = message_for(project, Event.HEARTBEAT_MISSING, heartbeat=beat)
    assert missing.title == "Shop: heartbeat 'Backups' is missing" and missing.level is Level.FAILURE
    assert dict(missing.facts)["Last check-in"] == "2026-12-01T09:30:00+00:00"
    healthy = message_for(project, Event.HEARTBEAT_HEALTHY, heartbeat=beat)
    assert healthy.title == "Shop: heartbeat 'Backups' is healthy again" and healthy.level is Level.SUCCESS
    failing = message_for(project, Event.MONITOR_FAILING, reason="https://shop.example.test/up answered 503")
    assert failing.title == "Shop: monitor failing" and dict(failing.facts)["URL"] == project.monitor
    assert message_for(project, Event.MONITOR_HEALTHY).level is Level.SUCCESS
