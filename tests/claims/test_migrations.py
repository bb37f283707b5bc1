"""Data migrations of the claims app, run backwards and forwards on the test database."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("claims", "0004_merge_and_match_index")
AFTER = ("claims", "0005_appearance_wording")


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


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
