"""Fixtures of the public-site tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _index_and_media_in_tmp(settings, tmp_path):
    """Matching indexes and stored files of each test go to its own folder."""
    from kiemchung.claims import matching

    settings.MATCHING_INDEX_ROOT = tmp_path / "index"
    settings.MEDIA_ROOT = tmp_path / "media"
    matching.forget_replicas()
    yield
    matching.forget_replicas()
