"""Every module the workers load for its jobs exists (a name in a list escapes the type checker)."""

from __future__ import annotations

import importlib

import pytest

from shipyard.app import JOB_MODULES


@pytest.mark.parametrize("module", JOB_MODULES)
def test_job_modules_import(module: str) -> None:
    importlib.import_module(module)
