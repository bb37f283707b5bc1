"""The reads of claims, monitoring, the tipline and audit that the dashboard counts from: each
keeps to its workspace, and its window of dates takes the first moment and leaves the last."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import OuterRef, Subquery
from tests.insights.story import at, november

from kiemchung.audit.models import AuditEvent
from kiemchung.audit.selectors import audit_events_of
from kiemchung.claims.models import Appearance, Claim, FactCheck, Rating, Review
from kiemchung.claims.selectors import (
    appearances_in,
    appearances_of,
    appearances_of_claims,
    claims_in_workspace,
    factchecks_published_in,
    reviews_in,
)
from kiemchung.monitoring.models import Item, Sighting, Source
from kiemchung.monitoring.selectors import items_in, sightings_in
from kiemchung.tipline.models import Channel, Conversation, Message, Sender, Tip
from kiemchung.tipline.selectors import member_replies_on, replies_in, tips_in_workspace


@pytest.fixture
def story(team):
    return november(team)


@pytest.fixture
def elsewhere(team):
    """One of each counted row in the other workspace."""
    ws = team.other_workspace
    claim = Claim.objects.get(workspace=ws)
    factcheck = FactCheck.objects.create(
        claim=claim, rating=Rating.objects.filter(workspace=ws).first(), author=team.outsider,
        title="Bài nhóm khác", state="published", published_at=at(11, 5), slug="kc-khac",
    )
    Appearance.objects.create(claim=claim, platform="Zalo", seen_at=at(11, 6), text="x")
    Review.objects.create(factcheck=factcheck, reviewer=team.outsider, decision="approve",
                          version=1)
    source = Source.objects.create(workspace=ws, name="Trang khác", kind="import")
    item = Item.objects.create(
        workspace=ws, source=source, text="bài khác", content_hash="f" * 64,
        near_key="f" * 16, band0="a", band1="b", band2="c", band3="d",
        first_seen_at=at(11, 6), last_seen_at=at(11, 6), claim=claim,
    )
    Sighting.objects.create(workspace=ws, item=item, source=source, key="khac",
                            seen_at=at(11, 7))
    channel = Channel.objects.create(workspace=ws, kind="web", name="Web")
    sender = Sender.objects.create(workspace=ws, sender_hash="e" * 64, pseudonym=99)
    conversation = Conversation.objects.create(workspace=ws, channel=channel, sender=sender)
    tip = Tip.objects.create(workspace=ws, conversation=conversation, tracking_code="TKHAC")
    Message.objects.create(conversation=conversation, tip=tip, direction="out",
                           author=team.outsider)
    AuditEvent.objects.create(workspace=ws, action="claim.dismiss", object_type="claims.claim",
                              object_id=str(claim.pk), object_repr="x")
    return ws


def _counts(ws):
    return {
        "claims": claims_in_workspace(workspace=ws).count(),
        "published": factchecks_published_in(workspace=ws).count(),
        "appearances": appearances_in(workspace=ws).count(),
        "reviews": reviews_in(workspace=ws).count(),
        "items": items_in(workspace=ws).count(),
        "sightings": sightings_in(workspace=ws).count(),
        "tips": tips_in_workspace(workspace=ws).count(),
        "replies": replies_in(workspace=ws).count(),
        "dismissals": audit_events_of(workspace=ws, action="claim.dismiss").count(),
    }


def test_each_counting_read_keeps_to_its_workspace(team, story, elsewhere):
    assert _counts(team.workspace) == {
        "claims": 6, "published": 3, "appearances": 1, "reviews": 1, "items": 3,
        "sightings": 3, "tips": 5, "replies": 3, "dismissals": 1,
    }
    assert _counts(elsewhere) == {
        "claims": 1, "published": 1, "appearances": 1, "reviews": 1, "items": 1,
        "sightings": 1, "tips": 1, "replies": 1, "dismissals": 1,
    }


def test_windows_take_the_first_moment_and_leave_the_last(team, story):
    ws = team.workspace
    # Tips of the story arrived on 21, 22, 23 and 24 November (and one in October).
    assert tips_in_workspace(workspace=ws, since=at(11, 22), until=at(11, 24)).count() == 2
    assert tips_in_workspace(workspace=ws, until=at(11, 1)).count() == 1
    # Verdicts were published on 4 (10 h), 5 and 6 November.
    assert factchecks_published_in(workspace=ws, since=at(11, 5), until=at(11, 6)).count() == 1
    assert factchecks_published_in(workspace=ws, since=at(11, 4, 10)).count() == 3
    assert factchecks_published_in(workspace=ws, until=at(11, 4, 10)).count() == 0


def test_merged_claims_are_left_out_unless_asked_for(team, story):
    c3 = story.claims["c3"]
    c3.merged_into = story.claims["c1"]
    c3.save(update_fields=["merged_into"])
    assert c3 not in claims_in_workspace(workspace=team.workspace)
    assert c3 in claims_in_workspace(workspace=team.workspace, include_merged=True)


def test_replies_on_a_tip_are_the_members_only(team, story):
    t1, _t2, _t3, t4 = story.tips
    assert member_replies_on(tip=t1).count() == 1
    # t4 has only an automatic answer.
    assert member_replies_on(tip=t4).count() == 0
    # As a subquery of the tips, the way the reply times figure reads it.
    first = (
        tips_in_workspace(workspace=team.workspace).filter(pk__in=[t1.pk, t4.pk]).order_by("pk")
        .annotate(first=Subquery(member_replies_on(tip=OuterRef("pk")).values("created_at")[:1]))
        .values_list("first", flat=True)
    )
    assert list(first) == [at(11, 21, 2), None]


def test_appearances_of_a_claim_or_of_a_set_of_claims(team, story):
    c1, c2 = story.claims["c1"], story.claims["c2"]
    Appearance.objects.create(claim=c2, platform="Zalo", seen_at=at(11, 4) - timedelta(hours=1))
    assert [a.platform for a in appearances_of(claim=c1)] == ["TikTok"]
    ids = Claim.objects.filter(pk__in=[c1.pk, c2.pk]).values("pk")
    assert sorted(a.platform for a in appearances_of_claims(claim_ids=ids)) == ["TikTok", "Zalo"]
