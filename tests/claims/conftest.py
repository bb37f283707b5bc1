"""Fixtures of the claims tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def index_in_tmp(settings, tmp_path):
    """Saved matching indexes go to a folder of this test; no copy of another test is reused.

    The embedding cache stays the shared one of the test run, so texts already embedded by an
    earlier test (or run) are not embedded again.
    """
    from kiemchung.claims import matching

    settings.MATCHING_INDEX_ROOT = tmp_path / "index"
    matching.forget_replicas()
    yield tmp_path / "index"
    matching.forget_replicas()
