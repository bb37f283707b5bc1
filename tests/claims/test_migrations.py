"""Data migrations of the claims app, run backwards and forwards on the test database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("claims", "0004_merge_and_match_index")
AFTER = ("claims", "0005_appearance_wording")
TONES = ("claims", "0006_rating_tone")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards(transactional_db):
    """The tests after these find every migration applied again."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_appearances_written_for_tips_are_marked_as_notes_not_wordings(transactional_db):
    apps = _migrate(BEFORE)
    try:
        workspace = apps.get_model("accounts", "Workspace").objects.create(name="Nhóm", slug="nhom")
        claim = apps.get_model("claims", "Claim").objects.create(
            workspace=workspace, text="Xe máy chạy xăng bị cấm vào nội thành"
        )
        rows = apps.get_model("claims", "Appearance").objects
        post = rows.create(claim=claim, platform="Facebook", text="Cấm xe máy!")
        tip_vi = rows.create(claim=claim, platform="Tin báo", text="Tin báo A1 qua Zalo")
        tip_en = rows.create(claim=claim, platform="Tips", text="Tip B2 via Telegram")
    finally:
        apps = _migrate(AFTER)

    wording = dict(apps.get_model("claims", "Appearance").objects.values_list("pk", "wording"))
    assert wording == {post.pk: True, tip_vi.pk: False, tip_en.pk: False}


def test_rating_steps_get_their_meaning_from_the_default_labels_or_their_place(transactional_db):
    apps = _migrate(AFTER)
    try:
        workspace_rows = apps.get_model("accounts", "Workspace").objects
        rows = apps.get_model("claims", "Rating").objects
        default = workspace_rows.create(name="Nhóm", slug="nhom")
        for position, label in enumerate(
            ["Đúng", "Gần đúng", "Gây hiểu lầm", "Sai", "Chưa đủ căn cứ"], start=1
        ):
            rows.create(workspace=default, label=label, position=position)
        own = workspace_rows.create(name="Nhóm khác", slug="khac")
        for position, label in enumerate(["Chính xác", "Thiếu bối cảnh", "Bịa đặt"], start=1):
            rows.create(workspace=own, label=label, position=position)
    finally:
        apps = _migrate(TONES)

    tones = dict(apps.get_model("claims", "Rating").objects.values_list("label", "tone"))
    assert tones == {
        "Đúng": "true",
        "Gần đúng": "mostly_true",
        "Gây hiểu lầm": "misleading",
        "Sai": "false",
        "Chưa đủ căn cứ": "unproven",
        "Chính xác": "true",
        "Thiếu bối cảnh": "misleading",
        "Bịa đặt": "false",
    }
