"""The two-person rule holds against co-editing: nobody who wrote any part of the version under
review (rating, title, summary or body) or sent it to review may approve or publish it, and a
correction that changes the rating or the summary goes public only once a second person
approved it. Proven through the services and through the pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claim_stories import (
    SUMMARY,
    TITLE,
    claim_with_evidence,
    rating,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import (
    Correction,
    CorrectionProposal,
    FactCheck,
    FactCheckState,
    ProposalState,
)

EDITOR_TITLE = "Sai: nước chanh không chữa được bệnh ung thư"
EDITOR_SUMMARY = SUMMARY + " Biên tập viên đã viết lại đoạn này."
EDITOR_BODY = "Toàn bộ nội dung do biên tập viên viết lại."


def _editor_rewrites(team, claim):
    return services.factcheck_save(
        claim=claim,
        actor=team.editor,
        rating=rating(team, "Gây hiểu lầm"),
        title=EDITOR_TITLE,
        summary=EDITOR_SUMMARY,
        body=EDITOR_BODY,
    )


def test_an_editor_who_rewrote_the_verdict_cannot_approve_or_publish_it(team):
    factcheck = verdict_drafted(team, author=team.checker)
    _editor_rewrites(team, factcheck.claim)
    services.factcheck_submit(factcheck=factcheck, actor=team.checker)

    with pytest.raises(ValidationError) as caught:
        services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    assert "Quy tắc hai người" in str(caught.value)
    factcheck.refresh_from_db()
    assert (factcheck.state, factcheck.reviewer) == (FactCheckState.IN_REVIEW, None)

    services.review_submit(factcheck=factcheck, actor=team.admin, decision="approve")
    with pytest.raises(ValidationError) as caught:
        services.factcheck_publish(factcheck=factcheck, actor=team.editor)
    assert "Quy tắc hai người" in str(caught.value)
    factcheck.refresh_from_db()
    assert factcheck.state == FactCheckState.APPROVED

    services.factcheck_publish(factcheck=factcheck, actor=team.admin)
    assert FactCheck.objects.get(pk=factcheck.pk).state == FactCheckState.PUBLISHED


def test_changing_one_word_of_the_title_counts_as_writing(team):
    factcheck = verdict_drafted(team, author=team.checker)
    services.factcheck_save(
        claim=factcheck.claim,
        actor=team.editor,
        rating=factcheck.rating,
        title=TITLE + ".",
        summary=SUMMARY,
        body=factcheck.body,
    )
    services.factcheck_submit(factcheck=factcheck, actor=team.checker)
    with pytest.raises(ValidationError):
        services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")


def test_saving_the_same_words_again_is_not_writing(team):
    factcheck = verdict_drafted(team, author=team.checker)
    services.factcheck_save(
        claim=factcheck.claim,
        actor=team.editor,
        rating=factcheck.rating,
        title=factcheck.title,
        summary=factcheck.summary,
        body=factcheck.body,
    )
    services.factcheck_submit(factcheck=factcheck, actor=team.checker)
    services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    factcheck.refresh_from_db()
    assert factcheck.reviewer == team.editor


def test_a_reviewer_who_edits_after_asking_for_changes_cannot_approve_the_result(team):
    factcheck = verdict_in_review(team, author=team.checker)
    services.review_submit(
        factcheck=factcheck, actor=team.editor, decision="request_changes",
        comment="Cần nêu rõ nguồn.",
    )
    _editor_rewrites(team, factcheck.claim)
    services.factcheck_submit(factcheck=factcheck, actor=team.checker)

    with pytest.raises(ValidationError) as caught:
        services.review_submit(factcheck=factcheck, actor=team.editor, decision="approve")
    assert "Quy tắc hai người" in str(caught.value)
    services.review_submit(factcheck=factcheck, actor=team.admin, decision="approve")


def test_a_correction_of_the_rating_waits_for_a_second_person(team):
    factcheck = verdict_published(team)
    published_version = factcheck.version

    with pytest.raises(ValidationError) as caught:
        services.factcheck_correct(
            factcheck=factcheck, actor=team.editor, note="Đổi kết luận.",
            rating=rating(team, "Gây hiểu lầm"),
        )
    assert "người thứ hai" in str(caught.value)

    proposal = services.correction_propose(
        factcheck=factcheck, actor=team.editor, note="Đổi kết luận sau khi có số liệu mới.",
        rating=rating(team, "Gây hiểu lầm"),
    )
    assert isinstance(proposal, CorrectionProposal)
    factcheck.refresh_from_db()
    assert (factcheck.rating.label, factcheck.version) == ("Sai", published_version)
    assert not Correction.objects.exists()

    with pytest.raises(ValidationError) as caught:
        services.correction_review(proposal=proposal, actor=team.editor, decision="approve")
    assert "Quy tắc hai người" in str(caught.value)
    with pytest.raises(ValidationError):
        services.correction_propose(
            factcheck=factcheck, actor=team.admin, note="Sửa chính tả.", body="Nội dung mới."
        )

    services.correction_review(proposal=proposal, actor=team.admin, decision="approve")
    factcheck.refresh_from_db()
    proposal.refresh_from_db()
    assert factcheck.rating.label == "Gây hiểu lầm"
    assert factcheck.version == published_version + 1
    assert proposal.state == ProposalState.APPROVED
    assert proposal.correction.author == team.editor
    event = AuditEvent.objects.filter(action="factcheck.correct").get()
    assert (event.actor, event.after["approved_by"]) == (team.admin, "admin")


def test_a_correction_of_the_summary_waits_and_can_be_refused_with_a_reason(team):
    factcheck = verdict_published(team)
    proposal = services.correction_propose(
        factcheck=factcheck, actor=team.editor, note="Viết lại tóm tắt.",
        summary="Một tóm tắt khác hẳn.",
    )
    with pytest.raises(ValidationError):
        services.correction_review(proposal=proposal, actor=team.admin, decision="request_changes")
    services.correction_review(
        proposal=proposal, actor=team.admin, decision="request_changes",
        comment="Tóm tắt mới không còn giải thích mức kết luận.",
    )
    factcheck.refresh_from_db()
    proposal.refresh_from_db()
    assert factcheck.summary == SUMMARY
    assert proposal.state == ProposalState.REJECTED
    assert not Correction.objects.exists()


def test_a_typo_in_the_body_or_title_is_corrected_by_one_person(team):
    factcheck = verdict_published(team)
    correction = services.correction_propose(
        factcheck=factcheck, actor=team.editor, note="Sửa lỗi chính tả.",
        title=TITLE.replace("nước", "nươc").replace("nươc", "nước"), body="Nội dung đã sửa.",
    )
    assert isinstance(correction, Correction)
    factcheck.refresh_from_db()
    assert factcheck.body == "Nội dung đã sửa."


# Through the pages: the same bypass with the Django test client.


def _post(client, user, url, data=None, **extra):
    client.force_login(user)
    return client.post(url, data or {}, **extra)


def _refused(client, user, url, data=None) -> str:
    """Post as `user`: the claim page comes back with the refusal as its message."""
    response = _post(client, user, url, data, follow=True)
    assert response.redirect_chain[-1][0].startswith(url.split("/verdict/")[0] + "/")
    return response.content.decode()


def test_the_pages_refuse_the_co_editor_approval_in_vietnamese(client, team):
    claim = claim_with_evidence(team, by=team.checker)
    verdict_drafted(team, author=team.checker, claim=claim)
    saved = _post(client, team.editor, f"/claims/{claim.pk}/verdict/", {
        "rating": str(rating(team, "Gây hiểu lầm").pk),
        "title": EDITOR_TITLE,
        "summary": EDITOR_SUMMARY,
        "body": EDITOR_BODY,
    })
    assert saved.status_code == 302
    assert _post(client, team.checker, f"/claims/{claim.pk}/verdict/submit/").status_code == 302

    client.force_login(team.editor)
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'id="review-approve"' not in html
    assert "bạn đã viết, sửa hoặc gửi duyệt một phần" in html

    refused = _refused(
        client, team.editor, f"/claims/{claim.pk}/verdict/review/", {"decision": "approve"}
    )
    assert "Quy tắc hai người" in refused
    factcheck = FactCheck.objects.get(claim=claim)
    assert factcheck.state == FactCheckState.IN_REVIEW

    approved = _post(
        client, team.admin, f"/claims/{claim.pk}/verdict/review/", {"decision": "approve"}
    )
    assert approved.status_code == 302
    refused = _refused(client, team.editor, f"/claims/{claim.pk}/verdict/publish/")
    assert "Quy tắc hai người" in refused
    assert FactCheck.objects.get(claim=claim).state == FactCheckState.APPROVED


def test_the_pages_hold_a_rating_correction_until_a_second_editor_approves(client, team):
    factcheck = verdict_published(team)
    claim = factcheck.claim
    proposed = _post(client, team.editor, f"/claims/{claim.pk}/verdict/correct/", {
        "note": "Đổi kết luận sau khi có số liệu mới.",
        "rating": str(rating(team, "Gây hiểu lầm").pk),
        "title": factcheck.title,
        "summary": factcheck.summary,
        "body": factcheck.body,
    })
    assert proposed.status_code == 302
    factcheck.refresh_from_db()
    assert factcheck.rating.label == "Sai"
    proposal = CorrectionProposal.objects.get()
    url = f"/claims/{claim.pk}/verdict/corrections/{proposal.pk}/review/"

    own = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "chờ một người khác duyệt" in own and 'id="correction-approve"' not in own
    assert "Quy tắc hai người" in _refused(client, team.editor, url, {"decision": "approve"})

    client.force_login(team.admin)
    assert 'id="correction-approve"' in client.get(f"/claims/{claim.pk}/").content.decode()
    assert _post(client, team.admin, url, {"decision": "approve"}).status_code == 302
    factcheck.refresh_from_db()
    assert factcheck.rating.label == "Gây hiểu lầm"
    public = client.get(f"/p/{team.workspace.slug}/{factcheck.pk}/", follow=True)
    assert "Đổi kết luận sau khi có số liệu mới." in public.content.decode()
