"""The workspace's rating scale: reordered, renamed, extended, and never losing a step in use."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claim_stories import rating, verdict_published
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import Rating


def _scale(team):
    return [
        (r.label, r.position, r.is_active)
        for r in Rating.objects.filter(workspace=team.workspace).order_by("position")
    ]


def test_the_scale_can_be_reordered_renamed_and_extended(team):
    true, false = rating(team, "Đúng"), rating(team, "Sai")

    result = services.ratings_update(
        workspace=team.workspace,
        actor=team.admin,
        ratings=[
            {"id": false.pk, "label": "Sai sự thật", "description": "Hoàn toàn không đúng."},
            {"label": "Cắt ghép", "description": "Hình ảnh hoặc video bị cắt ghép."},
            {"id": true.pk, "label": "Đúng"},
        ],
    )

    assert [r.label for r in result] == ["Sai sự thật", "Cắt ghép", "Đúng"]
    assert _scale(team) == [("Sai sự thật", 1, True), ("Cắt ghép", 2, True), ("Đúng", 3, True)]
    false.refresh_from_db()
    assert false.description == "Hoàn toàn không đúng."
    event = AuditEvent.objects.get(action="ratings.update")
    assert event.actor == team.admin
    assert [r["label"] for r in event.before["ratings"]][:2] == ["Đúng", "Gần đúng"]
    assert [r["label"] for r in event.after["ratings"]] == ["Sai sự thật", "Cắt ghép", "Đúng"]


def test_a_step_in_use_is_kept_inactive_at_the_end(team):
    used = verdict_published(team).rating
    true = rating(team, "Đúng")

    services.ratings_update(
        workspace=team.workspace, actor=team.admin, ratings=[{"id": true.pk, "label": "Đúng"}]
    )

    assert _scale(team) == [("Đúng", 1, True), (used.label, 2, False)]


def test_a_step_can_be_retired_without_losing_it(team):
    steps = list(Rating.objects.filter(workspace=team.workspace).order_by("position"))

    services.ratings_update(
        workspace=team.workspace,
        actor=team.admin,
        ratings=[{"id": r.pk, "label": r.label, "is_active": r.label != "Gần đúng"} for r in steps],
    )

    assert ("Gần đúng", 2, False) in _scale(team)


@pytest.mark.parametrize(
    "ratings",
    [
        [],
        [{"label": ""}],
        [{"label": "Sai"}, {"label": "sai"}],
        [{"label": "Sai", "is_active": False}],
        [{"label": "x" * 61}],
    ],
)
def test_a_broken_scale_is_refused(team, ratings):
    before = _scale(team)

    with pytest.raises(ValidationError):
        services.ratings_update(workspace=team.workspace, actor=team.admin, ratings=ratings)

    assert _scale(team) == before


def test_a_step_of_another_workspace_cannot_be_taken_over(team):
    foreign = Rating.objects.filter(workspace=team.other_workspace).first()

    with pytest.raises(ValidationError):
        services.ratings_update(
            workspace=team.workspace,
            actor=team.admin,
            ratings=[{"id": foreign.pk, "label": "Của tôi"}],
        )

    foreign.refresh_from_db()
    assert foreign.workspace == team.other_workspace


def test_the_default_scale_is_given_once(team):
    again = services.ratings_ensure_default(workspace=team.workspace)

    assert len(again) == 5
    assert Rating.objects.filter(workspace=team.workspace).count() == 5
