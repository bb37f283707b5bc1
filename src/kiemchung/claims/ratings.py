"""The workspace's rating scale: the default Vietnamese scale and editing it.

Reached as `kiemchung.claims.services.<name>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action
from kiemchung.audit.services import audit_record
from kiemchung.claims.models import (
    DEFAULT_RATING_TONES,
    DEFAULT_RATINGS,
    FactCheck,
    Rating,
    RatingTone,
)
from kiemchung.claims.workflow import acting_user, limited, lock_rows

if TYPE_CHECKING:
    from kiemchung.claims.workflow import Actor

RATING_LABEL_MAX = 60


@dataclass(frozen=True)
class ToneColours:
    """A verdict badge's background and text colours, as "#rrggbb"."""

    background: str
    ink: str

    def rgb(self, which: str) -> tuple[int, int, int]:
        value = getattr(self, which).lstrip("#")
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


# The one table of verdict colours: the share cards draw with it, and
# static/kiemchung/verdicts.css is written from it (tone_css; a test keeps the two equal).
# Every pair reads at WCAG AA (4.5:1 or more) and the meaning never rests on colour alone:
# the badge always carries the verdict's words.
TONE_COLOURS: dict[str, ToneColours] = {
    RatingTone.TRUE: ToneColours("#18794e", "#ffffff"),
    RatingTone.MOSTLY_TRUE: ToneColours("#4d7c0f", "#ffffff"),
    RatingTone.MISLEADING: ToneColours("#f0b429", "#1f1300"),
    RatingTone.FALSE: ToneColours("#b7410e", "#ffffff"),
    RatingTone.UNPROVEN: ToneColours("#3d6a99", "#ffffff"),
}
# A verdict without a tone of this site (another team's imported fact-check, no rating yet).
NEUTRAL_COLOURS = ToneColours("#e4e9ef", "#1f2d3d")


def tone_css() -> str:
    """The stylesheet of the verdict badges, written from TONE_COLOURS."""
    lines = [
        "/* Verdict colours. Written from kiemchung.claims.ratings.TONE_COLOURS (tone_css):",
        "   change the table there, then paste its output here. */",
        f".rating-badge {{ background: {NEUTRAL_COLOURS.background}; "
        f"color: {NEUTRAL_COLOURS.ink}; }}",
    ]
    for tone, colours in TONE_COLOURS.items():
        lines.append(
            f".rating-badge.tone-{tone} {{ background: {colours.background}; "
            f"color: {colours.ink}; }}"
        )
    return "\n".join(lines) + "\n"


def ratings_ensure_default(*, workspace: Workspace) -> list[Rating]:
    """Give a workspace the default Vietnamese rating scale if it has none yet."""
    existing = list(Rating.objects.filter(workspace=workspace))
    if existing:
        return existing
    return [
        Rating.objects.create(
            workspace=workspace,
            label=label,
            position=i,
            description=text,
            tone=DEFAULT_RATING_TONES[label],
        )
        for i, (label, text) in enumerate(DEFAULT_RATINGS, start=1)
    ]


def _rating_rows(workspace: Workspace) -> list[dict[str, Any]]:
    return [
        {
            "id": r.pk,
            "label": r.label,
            "position": r.position,
            "is_active": r.is_active,
            "tone": r.tone,
        }
        for r in Rating.objects.filter(workspace=workspace).order_by("position", "id")
    ]


def ratings_update(
    *, workspace: Workspace, actor: Actor, ratings: list[dict[str, Any]]
) -> list[Rating]:
    """Replace the workspace's rating scale with `ratings`, in order.

    Each item has `label`, optional `description`, `is_active`, `tone` (a RatingTone; an
    existing step keeps its own when none is given, a new one is unproven) and, for an existing
    step, `id`. A step left out is deleted, unless a verdict uses it: then it is kept,
    inactive, at the end.
    """
    user = acting_user(actor=actor, workspace=workspace, action=Action.MANAGE_WORKSPACE)
    existing = {r.pk: r for r in lock_rows(Rating.objects.filter(workspace=workspace))}
    if not ratings:
        raise ValidationError(_("Thang kết luận cần ít nhất một mức."))
    wanted: list[tuple[Rating | None, str, str, bool, str | None]] = []
    labels: set[str] = set()
    for row in ratings:
        label = limited(str(row.get("label") or ""), field="label", limit=RATING_LABEL_MAX)
        if not label:
            raise ValidationError({"label": _("Mỗi mức cần có nhãn.")})
        if label.casefold() in labels:
            raise ValidationError({"label": _("Nhãn “%(label)s” bị trùng.") % {"label": label}})
        labels.add(label.casefold())
        rating_id = row.get("id")
        current = None
        if rating_id not in (None, ""):
            try:
                current = existing[int(rating_id)]
            except (KeyError, TypeError, ValueError):
                raise ValidationError(_("Mức kết luận không thuộc nhóm này.")) from None
        description = str(row.get("description") or "").strip()
        tone = row.get("tone") or None
        if tone is not None and tone not in RatingTone.values:
            raise ValidationError({"tone": _("Ý nghĩa của mức không hợp lệ.")})
        wanted.append((current, label, description, bool(row.get("is_active", True)), tone))
    if not any(active for *_rest, active, _tone in wanted):
        raise ValidationError(_("Thang kết luận cần ít nhất một mức đang dùng."))

    before = _rating_rows(workspace)
    kept_ids = {current.pk for current, *_rest in wanted if current is not None}
    in_use = set(
        FactCheck.objects.filter(rating__workspace=workspace).values_list("rating_id", flat=True)
    )
    left_out = [r for pk, r in existing.items() if pk not in kept_ids]
    for rating in left_out:
        if rating.pk not in in_use:
            rating.delete()
    retired = [r for r in left_out if r.pk in in_use]

    # Move every step out of the way first: positions are unique within a workspace.
    offset = max([r.position for r in existing.values()] + [len(wanted) + len(retired)]) + 1
    survivors = [current for current, *_rest in wanted if current is not None] + retired
    for i, rating in enumerate(survivors):
        rating.position = offset + i
        rating.save(update_fields=["position", "updated_at"])

    result: list[Rating] = []
    for position, (current, label, description, active, tone) in enumerate(wanted, start=1):
        rating = current or Rating(workspace=workspace)
        rating.label, rating.description, rating.is_active = label, description, active
        if tone is not None:
            rating.tone = tone
        rating.position = position
        rating.save()
        result.append(rating)
    for position, rating in enumerate(retired, start=len(wanted) + 1):
        rating.position, rating.is_active = position, False
        rating.save(update_fields=["position", "is_active", "updated_at"])
        result.append(rating)
    audit_record(
        workspace=workspace,
        actor=user,
        action="ratings.update",
        obj=workspace,
        before={"ratings": before},
        after={"ratings": _rating_rows(workspace)},
    )
    return result
