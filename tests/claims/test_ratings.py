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


def test_the_default_scale_says_what_each_step_means(team):
    tones = dict(
        Rating.objects.filter(workspace=team.workspace).values_list("label", "tone")
    )

    assert tones == {
        "Đúng": "true",
        "Gần đúng": "mostly_true",
        "Gây hiểu lầm": "misleading",
        "Sai": "false",
        "Chưa đủ căn cứ": "unproven",
    }


def test_an_admin_sets_what_a_step_means_and_a_step_left_alone_keeps_it(team):
    false, unproven = rating(team, "Sai"), rating(team, "Chưa đủ căn cứ")

    services.ratings_update(
        workspace=team.workspace,
        actor=team.admin,
        ratings=[
            {"id": false.pk, "label": "Sai"},
            {"label": "Bịa đặt", "tone": "false"},
            {"id": unproven.pk, "label": "Chưa xác minh được", "tone": "unproven"},
            {"label": "Khác"},
        ],
    )

    tones = dict(Rating.objects.filter(workspace=team.workspace).values_list("label", "tone"))
    assert tones == {
        "Sai": "false",
        "Bịa đặt": "false",
        "Chưa xác minh được": "unproven",
        "Khác": "unproven",
    }
    with pytest.raises(ValidationError):
        services.ratings_update(
            workspace=team.workspace,
            actor=team.admin,
            ratings=[{"label": "Sai", "tone": "purple"}],
        )


def _contrast(one: str, two: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_verdict_colour_reads_at_wcag_aa():
    pairs = {**services.TONE_COLOURS, "neutral": services.NEUTRAL_COLOURS}

    assert set(services.TONE_COLOURS) == {"true", "mostly_true", "misleading", "false", "unproven"}
    low = {
        tone: round(_contrast(c.background, c.ink), 2)
        for tone, c in pairs.items()
        if _contrast(c.background, c.ink) < 4.5
    }
    assert low == {}


def test_the_verdict_colours_carry_their_meaning():
    def hue(colour: str) -> float:
        import colorsys

        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return colorsys.rgb_to_hls(r, g, b)[0] * 360

    colours = services.TONE_COLOURS
    assert hue(colours["false"].background) < 30  # red to orange
    assert 35 <= hue(colours["misleading"].background) <= 50  # amber
    assert 80 <= hue(colours["mostly_true"].background) <= 160  # green
    assert 120 <= hue(colours["true"].background) <= 160  # green
    assert 190 <= hue(colours["unproven"].background) <= 240  # blue
    assert len({c.background for c in colours.values()}) == len(colours)


def test_the_stylesheet_is_written_from_the_table_of_colours():
    from pathlib import Path

    import kiemchung

    css = Path(kiemchung.__file__).parent / "static" / "kiemchung" / "verdicts.css"
    assert css.read_text(encoding="utf-8") == services.tone_css(), (
        "static/kiemchung/verdicts.css differs from TONE_COLOURS; write it again with "
        "kiemchung.claims.services.tone_css()"
    )
