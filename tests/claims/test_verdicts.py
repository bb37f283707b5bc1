"""A verdict's road: written, checked against the checklist, reviewed by a second person,
published under a stable address, and corrected in the open."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claim_stories import (
    CLAIM_TEXT,
    SUMMARY,
    TITLE,
    claim_opened,
    claim_with_evidence,
    correction_approved,
    rating,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import selectors, services
from kiemchung.claims.models import (
    ArchiveStatus,
    ClaimState,
    Evidence,
    EvidenceKind,
    FactCheckState,
    Rating,
    Review,
)


def test_checker_cannot_review_own_verdict(team):
    factcheck = verdict_in_review(team, author=team.checker)

    with pytest.raises(PermissionDenied):
        services.review_submit(factcheck=factcheck, actor=team.checker, decision="approve")

    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.IN_REVIEW
    assert not Review.objects.exists()


def test_an_editor_cannot_approve_a_verdict_they_wrote(team):
    factcheck = verdict_in_review(team, author=team.editor)

    with pytest.raises(ValidationError) as caught:
        services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")

    assert "hai người" in str(caught.value)
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.IN_REVIEW
    assert factcheck.reviewer is None


def test_whoever_sent_a_verdict_to_review_cannot_approve_it(team):
    factcheck = verdict_drafted(team, author=team.checker)

    services.factcheck_submit(factcheck=factcheck, actor=team.editor)

    with pytest.raises(ValidationError):
        services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    services.review_submit(factcheck=factcheck, actor=team.admin, decision="approve")
    factcheck.refresh_from_db()
    assert factcheck.reviewer == team.admin


def test_verdicts_of_others_wait_in_my_review_list_but_mine_do_not(team):
    mine = verdict_in_review(team, author=team.editor)
    theirs = verdict_in_review(team, author=team.checker2)

    work = selectors.my_work(member=team.member(team.editor))

    assert list(work.to_review) == [theirs]
    assert mine not in work.to_review


def test_viewer_cannot_edit(team):
    claim = claim_with_evidence(team)
    factcheck = verdict_drafted(team, claim=claim)
    attempts = [
        lambda: services.claim_update(claim=claim, actor=team.viewer, text="Sửa lén"),
        lambda: services.claim_dismiss(claim=claim, actor=team.viewer, reason="Không"),
        lambda: services.appearance_add(claim=claim, actor=team.viewer, url="https://a.vn/1"),
        lambda: services.evidence_add(
            claim=claim, actor=team.viewer, kind=EvidenceKind.NOTE, note="Ghi chú"
        ),
        lambda: services.comment_add(claim=claim, actor=team.viewer, body="Bình luận"),
        lambda: services.factcheck_save(
            claim=claim, actor=team.viewer, rating=None, title="Sửa", summary="", body=""
        ),
        lambda: services.factcheck_submit(factcheck=factcheck, actor=team.viewer),
        lambda: services.claim_delete(claim=claim, actor=team.viewer),
    ]

    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()

    claim.refresh_from_db()
    factcheck.refresh_from_db()
    assert claim.text == CLAIM_TEXT
    assert factcheck.title == TITLE
    assert not AuditEvent.objects.filter(actor=team.viewer).exists()


def test_request_changes_sends_claim_back(team):
    factcheck = verdict_in_review(team)

    review = services.review_submit(
        factcheck=factcheck,
        actor=team.editor,
        decision="request_changes",
        comment="Cần dẫn nguồn khuyến cáo của Bộ Y tế.",
    )

    factcheck.refresh_from_db()
    assert review.version == 1
    assert factcheck.state == FactCheckState.CHANGES_REQUESTED
    assert factcheck.claim.state == ClaimState.IN_PROGRESS
    assert factcheck.reviewer is None
    event = AuditEvent.objects.get(action="factcheck.request_changes")
    assert event.actor == team.editor
    assert event.after["comment"] == "Cần dẫn nguồn khuyến cáo của Bộ Y tế."

    # The author answers, sends it again, and this time it is approved.
    services.factcheck_save(
        claim=factcheck.claim,
        actor=team.checker2,
        rating=factcheck.rating,
        title=factcheck.title,
        summary=factcheck.summary,
        body=factcheck.body + "\n\nNguồn: khuyến cáo của Bộ Y tế ngày 3/5.",
    )
    services.factcheck_submit(factcheck=factcheck, actor=team.checker2)
    approval = services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")

    factcheck.refresh_from_db()
    assert approval.version == 2
    assert factcheck.state == FactCheckState.APPROVED
    assert factcheck.reviewer == team.editor
    assert [r.decision for r in factcheck.reviews.all()] == ["request_changes", "approve"]


def test_asking_for_changes_needs_a_comment(team):
    factcheck = verdict_in_review(team)

    with pytest.raises(ValidationError) as caught:
        services.review_submit(factcheck=factcheck, actor=team.editor, decision="request_changes")

    assert "comment" in caught.value.message_dict


def test_publish_requires_approval(team):
    draft = verdict_drafted(team)
    waiting = verdict_in_review(team)

    for factcheck in (draft, waiting):
        with pytest.raises(ValidationError):
            services.factcheck_publish(factcheck=factcheck, actor=team.editor)
        factcheck.refresh_from_db()
        assert factcheck.published_at is None
        assert factcheck.slug == ""

    services.review_submit(factcheck=waiting, actor=team.admin, decision="approve")
    published = services.factcheck_publish(factcheck=waiting, actor=team.editor)
    assert published.state == FactCheckState.PUBLISHED


def test_publishing_gives_a_folded_slug_and_saves_the_version(team):
    factcheck = verdict_published(team)

    assert factcheck.slug == "sai-su-that-nuoc-chanh-am-khong-chua-duoc-ung-thu"
    assert list(factcheck.versions.values_list("number", "reason")) == [
        (1, "submitted"),
        (2, "published"),
    ]
    assert factcheck.version == 2
    event = AuditEvent.objects.get(action="factcheck.publish")
    assert event.actor == team.editor
    assert event.after["slug"] == factcheck.slug
    assert event.before == {"state": "approved"}


def test_two_verdicts_with_the_same_title_get_different_slugs(team):
    first = verdict_published(team)
    second = verdict_published(team)

    assert first.slug != second.slug
    assert second.slug == first.slug + "-2"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Sai sự thật", "sai-su-that"),
        ("Đà Nẵng KHÔNG cấm xe máy!", "da-nang-khong-cam-xe-may"),
        ("“Vaccine” gây vô sinh? Sai.", "vaccine-gay-vo-sinh-sai"),
        ("", "kiem-chung"),
    ],
)
def test_slug_for_title_folds_vietnamese(db, title, slug):
    assert services.slug_for_title(title) == slug


def test_correction_keeps_history_visible(team):
    factcheck = verdict_published(team)
    published_summary = factcheck.summary

    correction = correction_approved(
        team,
        factcheck,
        note="Bài trước ghi nhầm tên cơ quan ban hành khuyến cáo.",
        rating=rating(team, "Gây hiểu lầm"),
        summary=published_summary + " (Đã đính chính tên cơ quan.)",
    )

    factcheck.refresh_from_db()
    assert factcheck.rating.label == "Gây hiểu lầm"
    assert factcheck.last_corrected_at is not None
    assert factcheck.slug == "sai-su-that-nuoc-chanh-am-khong-chua-duoc-ung-thu"
    assert (correction.from_version, correction.to_version) == (2, 3)

    history = selectors.factcheck_history(factcheck=factcheck)
    assert [(e.version.number, e.version.reason) for e in history] == [
        (2, "published"),
        (3, "corrected"),
    ]
    earlier, corrected = history
    assert earlier.version.rating_label == "Sai"
    assert earlier.version.summary == published_summary
    assert earlier.correction is None
    assert corrected.version.rating_label == "Gây hiểu lầm"
    assert corrected.correction.note == "Bài trước ghi nhầm tên cơ quan ban hành khuyến cáo."

    event = AuditEvent.objects.get(action="factcheck.correct")
    assert event.before == {"rating": "Sai", "summary": published_summary, "version": 2}
    assert event.after["rating"] == "Gây hiểu lầm"
    assert event.after["version"] == 3


def test_the_newsroom_also_sees_versions_sent_to_review(team):
    factcheck = verdict_published(team)

    history = selectors.factcheck_history(factcheck=factcheck, include_review_versions=True)

    assert [e.version.reason for e in history] == ["submitted", "published"]


def test_a_correction_needs_a_note(team):
    factcheck = verdict_published(team)

    with pytest.raises(ValidationError) as caught:
        services.factcheck_correct(factcheck=factcheck, actor=team.editor, note=" ", body="Mới")

    assert "note" in caught.value.message_dict
    assert factcheck.corrections.count() == 0


def test_rating_must_belong_to_the_workspace_scale(team):
    claim = claim_with_evidence(team)
    foreign = Rating.objects.filter(workspace=team.other_workspace).first()

    with pytest.raises(ValidationError) as caught:
        services.factcheck_save(
            claim=claim, actor=team.checker, rating=foreign, title=TITLE, summary=SUMMARY, body=""
        )

    assert "rating" in caught.value.message_dict


def test_a_retired_rating_cannot_be_chosen_for_a_new_verdict(team):
    retired = rating(team, "Gần đúng")
    Rating.objects.filter(pk=retired.pk).update(is_active=False)
    retired.refresh_from_db()

    with pytest.raises(ValidationError):
        services.factcheck_save(
            claim=claim_opened(team),
            actor=team.checker,
            rating=retired,
            title=TITLE,
            summary=SUMMARY,
            body="",
        )


def test_saving_a_draft_records_what_changed(team):
    factcheck = verdict_drafted(team)

    services.factcheck_save(
        claim=factcheck.claim,
        actor=team.checker,
        rating=factcheck.rating,
        title="Tiêu đề mới",
        summary=factcheck.summary,
        body=factcheck.body,
    )

    factcheck.refresh_from_db()
    assert factcheck.author == team.checker2
    created = AuditEvent.objects.get(action="factcheck.create")
    assert created.actor == team.checker2
    assert created.after["title"] == TITLE
    updated = AuditEvent.objects.get(action="factcheck.update")
    assert updated.actor == team.checker
    assert updated.before == {"title": TITLE}
    assert updated.after == {"title": "Tiêu đề mới"}


def test_submit_is_refused_until_the_required_checklist_items_are_done(team):
    claim = claim_opened(team, by=team.checker)
    factcheck = services.factcheck_save(
        claim=claim, actor=team.checker, rating=rating(team), title="", summary="Sai", body=""
    )

    with pytest.raises(ValidationError) as caught:
        services.factcheck_submit(factcheck=factcheck, actor=team.checker)

    message = str(caught.value)
    assert "tiêu đề" in message
    assert "bằng chứng" in message
    assert "tóm tắt" in message
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.DRAFT
    assert factcheck.versions.count() == 0


def test_the_checklist_tells_the_author_what_is_left(team):
    claim = claim_opened(team, by=team.checker)
    factcheck = services.factcheck_save(
        claim=claim, actor=team.checker, rating=None, title="", summary="", body=""
    )

    before = {
        item.key: (item.done, item.required)
        for item in selectors.factcheck_checklist(factcheck=factcheck)
    }
    assert before == {
        "title": (False, True),
        "rating_explained": (False, True),
        "has_evidence": (False, True),
        "claim_quoted": (False, False),
        "sources_archived": (True, False),
    }

    evidence = services.evidence_add(
        claim=claim, actor=team.checker, kind=EvidenceKind.URL, url="https://moh.gov.vn/khuyen-cao"
    )
    factcheck = services.factcheck_save(
        claim=claim,
        actor=team.checker,
        rating=rating(team),
        title=TITLE,
        summary=SUMMARY.replace(CLAIM_TEXT, CLAIM_TEXT.upper()),
        body="",
    )
    during = {item.key: item.done for item in selectors.factcheck_checklist(factcheck=factcheck)}
    assert during == {
        "title": True,
        "rating_explained": True,
        "has_evidence": True,
        "claim_quoted": True,
        "sources_archived": False,
    }

    Evidence.objects.filter(pk=evidence.pk).update(archive_status=ArchiveStatus.ARCHIVED)
    after = {item.key: item.done for item in selectors.factcheck_checklist(factcheck=factcheck)}
    assert after["sources_archived"] is True


def test_a_summary_that_only_repeats_the_rating_does_not_explain_it(team):
    claim = claim_with_evidence(team)

    factcheck = services.factcheck_save(
        claim=claim, actor=team.checker2, rating=rating(team), title=TITLE, summary="SAI.", body=""
    )

    items = {item.key: item.done for item in selectors.factcheck_checklist(factcheck=factcheck)}
    assert items["rating_explained"] is False
    with pytest.raises(ValidationError):
        services.factcheck_submit(factcheck=factcheck, actor=team.checker2)


def test_a_paraphrase_is_not_an_exact_quote(team):
    claim = claim_with_evidence(team)

    factcheck = services.factcheck_save(
        claim=claim,
        actor=team.checker2,
        rating=rating(team),
        title=TITLE,
        summary="Nước chanh không chữa được ung thư, theo Bộ Y tế.",
        body="",
    )

    items = {item.key: item.done for item in selectors.factcheck_checklist(factcheck=factcheck)}
    assert items["claim_quoted"] is False
