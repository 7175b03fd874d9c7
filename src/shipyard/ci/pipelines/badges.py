"""Status badges: an SVG like shields.io's, and CCTray's cc.xml."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from xml.etree import ElementTree

from shipyard.ci.pipelines.models import Pipeline
from shipyard.ci.repos.models import Repo

COLORS = {
    "success": "#44cc11",
    "failure": "#e05d44",
    "error": "#9f9f9f",
    "killed": "#e05d44",
    "running": "#dfb317",
    "pending": "#dfb317",
}
CC_STATUS = {"success": "Success", "failure": "Failure", "error": "Exception", "killed": "Failure"}


def svg(pipeline: Pipeline | None) -> str:
    status = pipeline.status if pipeline else "none"
    color = COLORS.get(status, "#9f9f9f")
    label, left, right = "pipeline", 56, 8 + 7 * len(status)
    total = left + right
    text = html.escape(status)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label}: {text}"><title>{label}: {text}</title>'
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{label}</text>'
        f'<text x="{left + right / 2}" y="14">{text}</text></g></svg>'
    )


def cc_xml(repo: Repo, pipeline: Pipeline | None, web_url: str) -> str:
    projects = ElementTree.Element("Projects")
    attrs = {
        "name": repo.full_name,
        "activity": "Sleeping",
        "lastBuildStatus": "Unknown",
        "lastBuildLabel": "",
        "lastBuildTime": "",
        "webUrl": web_url,
    }
    if pipeline is not None:
        attrs["activity"] = "Building" if pipeline.status in ("pending", "running") else "Sleeping"
        attrs["lastBuildStatus"] = CC_STATUS.get(pipeline.status, "Unknown")
        attrs["lastBuildLabel"] = str(pipeline.number)
        stamp = pipeline.finished or pipeline.started or pipeline.created
        attrs["lastBuildTime"] = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        attrs["webUrl"] = f"{web_url}/pipeline/{pipeline.number}"
    ElementTree.SubElement(projects, "Project", attrs)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(projects, encoding="unicode")
