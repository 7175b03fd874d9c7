"""All SQL of nginx templates."""

from __future__ import annotations
