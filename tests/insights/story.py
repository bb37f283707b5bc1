"""A November of known work: claims, verdicts, items, sightings, tips and replies whose every
figure on the dashboard is counted by hand in the tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from kiemchung.audit.models import AuditEvent
from kiemchung.claims.models import Appearance, Claim, FactCheck, Rating, Review
from kiemchung.insights import selectors
from kiemchung.insights.figures import Period
from kiemchung.monitoring.models import Item, Sighting, Source
from kiemchung.tipline.models import Channel, Conversation, Message, Sender, Tip

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOVEMBER = Period(first=date(2026, 11, 1), last=date(2026, 11, 30))


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=ZONE)


@dataclass
class Story:
    claims: dict[str, Claim]
    ratings: list[Rating]
    tips: list[Tip]


def _claim(workspace: Any, text: str, created: datetime, **fields: Any) -> Claim:
    claim = Claim.objects.create(workspace=workspace, text=text, **fields)
    Claim.objects.filter(pk=claim.pk).update(created_at=created)
    claim.refresh_from_db()
    return claim


def _publish(claim: Claim, rating: Rating, author: Any, when: datetime) -> FactCheck:
    claim.state = "published"
    claim.save(update_fields=["state"])
    return FactCheck.objects.create(
        claim=claim, rating=rating, author=author, title=f"Kiểm chứng {claim.text}",
        state="published", published_at=when, slug=f"kc-{claim.pk}",
    )


def _item(workspace: Any, source: Source, claim: Claim, first_seen: datetime, platform: str,
          n: int) -> Item:
    return Item.objects.create(
        workspace=workspace, source=source, text=f"bài đăng {n}", platform=platform,
        content_hash=f"{n:064d}", near_key=f"{n:016d}", band0="a", band1="b", band2="c",
        band3="d", first_seen_at=first_seen, last_seen_at=first_seen, claim=claim,
        state="attached",
    )


def _tip(workspace: Any, channel: Channel, n: int, category: str, created: datetime,
         **fields: Any) -> Tip:
    sender = Sender.objects.create(workspace=workspace, sender_hash=f"{n:064d}", pseudonym=n)
    conversation = Conversation.objects.create(workspace=workspace, channel=channel,
                                               sender=sender)
    tip = Tip.objects.create(workspace=workspace, conversation=conversation,
                             tracking_code=f"T{n:05d}", category=category, **fields)
    Tip.objects.filter(pk=tip.pk).update(created_at=created)
    tip.refresh_from_db()
    return tip


def _reply(tip: Tip, author: Any, when: datetime) -> None:
    message = Message.objects.create(conversation=tip.conversation, tip=tip, direction="out",
                                     author=author)
    Message.objects.filter(pk=message.pk).update(created_at=when)


def november(team: Any) -> Story:
    ws = team.workspace
    ratings = list(Rating.objects.filter(workspace=ws).order_by("position")[:2])
    c1 = _claim(ws, "Tỏi phòng được cúm", at(11, 2), topic="y tế")
    c2 = _claim(ws, "Nước chanh chữa ung thư", at(11, 3, 12), topic="y tế")
    c3 = _claim(ws, "Bỏ thi tốt nghiệp năm sau", at(11, 10), topic="giáo dục")
    c4 = _claim(ws, "Vắc xin gây vô sinh", at(10, 15), topic="y tế")
    c5 = _claim(ws, "Tin nhắn trúng thưởng", at(11, 12), state="dismissed")
    c6 = _claim(ws, "Cầu sắp sập", at(11, 20), state="in_progress", assignee=team.editor)
    _claim(team.other_workspace, "Nhóm khác", at(11, 2))
    with mock.patch("django.utils.timezone.now", return_value=at(11, 13, 9)):
        AuditEvent.objects.create(workspace=ws, action="claim.dismiss",
                                  object_type="claims.claim", object_id=str(c5.pk),
                                  object_repr="x")

    f1 = _publish(c1, ratings[0], team.checker, at(11, 4, 10))
    _publish(c2, ratings[1], team.checker, at(11, 5))
    _publish(c4, ratings[0], team.editor, at(11, 6))
    review = Review.objects.create(factcheck=f1, reviewer=team.editor, decision="approve",
                                   version=1)
    Review.objects.filter(pk=review.pk).update(created_at=at(11, 4, 9))

    # First sightings: c1 an appearance 72 h before publication, c2 an item 48 h before,
    # c4 only its own creation (22 days before).
    Appearance.objects.create(claim=c1, platform="TikTok", seen_at=at(11, 1, 10), text="x")
    page = Source.objects.create(workspace=ws, name="Trang A", kind="import")
    channel_b = Source.objects.create(workspace=ws, name="Kênh B", kind="import")
    i1 = _item(ws, page, c1, at(11, 2, 8), "facebook", 1)
    _item(ws, page, c2, at(11, 3), "Facebook", 2)
    _item(ws, channel_b, c4, at(10, 20), "youtube", 3)
    # c1 seen once before its verdict and twice after it.
    for n, when in enumerate((at(11, 1, 12), at(11, 20), at(11, 25)), start=1):
        Sighting.objects.create(workspace=ws, item=i1, source=page, key=f"s{n}", seen_at=when)

    web = Channel.objects.create(workspace=ws, kind="web", name="Web")
    telegram = Channel.objects.create(workspace=ws, kind="telegram", name="Bot")
    t1 = _tip(ws, web, 1, "check", at(11, 21), auto_state="sent", auto_feedback="yes",
              state="answered")
    t2 = _tip(ws, web, 2, "check", at(11, 22), auto_state="sent", auto_feedback="no",
              state="in_progress")
    t3 = _tip(ws, web, 3, "legal", at(11, 23), auto_state="pending", state="new")
    t4 = _tip(ws, telegram, 4, "violation", at(11, 24), state="new", claim=c2)
    _tip(ws, web, 5, "check", at(10, 24), state="closed")
    _reply(t1, team.checker, at(11, 21, 2))
    _reply(t2, team.checker, at(11, 22, 6))
    _reply(t4, None, at(11, 24, 0))  # an automatic message: not a member's reply
    return Story(claims={"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "c6": c6},
                 ratings=ratings, tips=[t1, t2, t3, t4])


# The story seen over periods of each kind of bucket (days, weeks, months) and one topic.
PERIODS = {
    "november": NOVEMBER,
    "topic": Period(first=date(2026, 11, 1), last=date(2026, 11, 30), topic="y tế"),
    "year": Period(first=date(2025, 12, 1), last=date(2026, 11, 30)),
    "two_years": Period(first=date(2024, 12, 1), last=date(2026, 11, 30)),
}


def _plain(cell: Any) -> Any:
    if isinstance(cell, float):
        return round(cell, 6)
    if isinstance(cell, str):
        return re.sub(r"^#\d+ ", "#", cell)  # claim numbers differ between databases
    return cell


def figures_seen(workspace: Any) -> dict[str, Any]:
    """Every figure of the dashboard over PERIODS, as plain JSON, to compare databases."""
    seen: dict[str, Any] = {}
    for name, period in PERIODS.items():
        for key, figure_of in selectors.FIGURES.items():
            extra = {"now": at(12, 1)} if key == "backlog" else {}
            figure = figure_of(workspace=workspace, period=period, **extra)
            seen[f"{name}/{key}"] = {
                "rows": [[_plain(cell) for cell in row] for row in figure.rows],
                "summary": [list(pair) for pair in figure.summary],
                "extra": {k: _plain(v) for k, v in figure.extra.items()},
            }
    return dict(json.loads(json.dumps(seen, default=str)))
