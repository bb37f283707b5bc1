"""The permission matrix, proved through the pages: every role × every action, as a person
would do it in the browser.

For each action, each page that performs it gets the request its form sends, from each role
of the team, on a claim (or member, or workspace) prepared by someone who may. The page must
let it through exactly when MATRIX says so: allowed means a success answer and the change in
the database; refused means a 403 page that says why in Vietnamese and nothing changed. The
outsider, an admin of another workspace, finds no such claim or member in theirs (404), and a
page about "the workspace" only ever shows or changes their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from claim_stories import (
    BODY,
    CLAIM_TEXT,
    SUMMARY,
    claim_opened,
    claim_with_evidence,
    rating,
    screenshot_evidence_read,
    verdict_approved,
    verdict_drafted,
    verdict_in_review,
    verdict_published,
)
from kiemchung.accounts import services as accounts_services
from kiemchung.accounts.middleware import SESSION_KEY
from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import ACTION_LABELS, Action
from kiemchung.audit.models import AuditEvent
from kiemchung.claims import services
from kiemchung.claims.models import (
    Appearance,
    ArchiveStatus,
    Claim,
    ClaimState,
    Comment,
    Correction,
    CorrectionProposal,
    Evidence,
    EvidenceImageText,
    EvidenceKind,
    FactCheck,
    FactCheckState,
    Rating,
    Review,
)
from permissions_table import (
    ViewCase,
    becomes_rows,
    cases,
    merged,
    nothing,
    object_url,
    page_url,
    unchanged,
    user_for,
)
from permissions_tipline import TIPLINE_VIEW_CASES
from permissions_webhooks import WEBHOOK_VIEW_CASES

# Some scenes store an image (a tip's photo).
pytestmark = pytest.mark.usefixtures("media_root")

NEW_CLAIM = "Nhà nước sắp cấm xe máy ở mọi thành phố từ năm sau"
EDITED_CLAIM = "Uống nước chanh ấm mỗi sáng chữa khỏi mọi loại ung thư"
DISMISS_REASON = "Ý kiến cá nhân, không kiểm chứng được."
SEEN_AT = "https://facebook.com/groups/suckhoe/posts/1"
COMMENT = "Bài này đã lan sang ba nhóm Zalo, cần làm sớm."
NOTE = "Đã gọi điện cho Bệnh viện K: không có ca nào khỏi bệnh nhờ nước chanh."
VERDICT_TITLE = "Nước chanh ấm không chữa được ung thư"
CHANGES_WANTED = "Cần dẫn thêm khuyến cáo của Bộ Y tế."
CORRECTION_NOTE = "Sửa tên cơ quan: Bộ Y tế, không phải Sở Y tế."
CORRECTED_TITLE = "Sai sự thật: nước chanh ấm không chữa được ung thư (đã đính chính)"
NEW_NAME = "Nhóm Kiểm Chứng Miền Trung"
NEW_STEP = "Cắt ghép"
IMAGE_WORDS = "Từ ngày 1/7, xe máy không chính chủ sẽ bị phạt"


def _rows(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
    return list(queryset.order_by("pk").values_list(*fields))


def _dismissed(team: Any) -> Claim:
    return services.claim_dismiss(claim=claim_opened(team), actor=team.editor, reason="Ý kiến.")


def _failed_archive(team: Any) -> Evidence:
    claim = claim_opened(team)
    evidence = services.evidence_add(
        claim=claim, actor=team.editor, kind=EvidenceKind.URL, url="https://moh.gov.vn/tin"
    )
    Evidence.objects.filter(pk=evidence.pk).update(
        archive_status=ArchiveStatus.FAILED, archive_error="Hết thời gian chờ."
    )
    evidence.refresh_from_db()
    return evidence


def _someone_without_a_team(team: Any) -> None:
    get_user_model().objects.create_user(
        username="congtacvien", email="congtacvien@example.org", password="mat-khau-dai-123"
    )


def _checker2_member(team: Any) -> Member:
    return team.member(team.checker2)


def _checker2_deactivated(team: Any) -> Member:
    return accounts_services.member_deactivate(member=team.member(team.checker2), actor=team.admin)


def _verdict_url(name: str) -> Callable[[Any, Any], str]:
    return lambda team, factcheck: reverse(name, args=[factcheck.claim_id])


def _claim_fields(*fields: str) -> Callable[[Any, Any], list[tuple[Any, ...]]]:
    return lambda team, claim: _rows(Claim.objects.filter(pk=claim.pk), *fields)


def _factcheck_fields(*fields: str) -> Callable[[Any, Any], list[tuple[Any, ...]]]:
    return lambda team, fc: _rows(FactCheck.objects.filter(pk=fc.pk), *fields)


def _member_fields(*fields: str) -> Callable[[Any, Any], list[tuple[Any, ...]]]:
    return lambda team, member: _rows(Member.objects.filter(pk=member.pk), *fields)


def _our_claims(team: Any, _: Any) -> list[tuple[Any, ...]]:
    return _rows(Claim.objects.filter(workspace=team.workspace), "text", "topic", "created_by_id")


def _our_members(team: Any, _: Any) -> list[tuple[Any, ...]]:
    return _rows(
        Member.objects.filter(workspace=team.workspace), "user__username", "role", "is_active"
    )


def _our_workspace(team: Any, _: Any) -> list[tuple[Any, ...]]:
    return _rows(
        Workspace.objects.filter(pk=team.workspace.pk),
        "name",
        "description",
        "corrections_email",
        "require_2fa",
    )


def _our_scale(team: Any, _: Any) -> list[tuple[Any, ...]]:
    return list(
        Rating.objects.filter(workspace=team.workspace, is_active=True)
        .order_by("position")
        .values_list("label", flat=True)
    )


def _our_events(team: Any, _: Any) -> int:
    return AuditEvent.objects.filter(workspace=team.workspace).count()


def _review(factcheck: FactCheck) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    return (
        _rows(FactCheck.objects.filter(pk=factcheck.pk), "state", "reviewer_id"),
        _rows(Review.objects.filter(factcheck=factcheck), "reviewer_id", "decision", "comment"),
    )


def _publication(factcheck: FactCheck) -> tuple[str, bool, str]:
    factcheck = FactCheck.objects.select_related("claim").get(pk=factcheck.pk)
    return factcheck.state, factcheck.published_at is not None, factcheck.claim.state


def _correction(factcheck: FactCheck) -> tuple[int, str, list[tuple[Any, ...]]]:
    factcheck = FactCheck.objects.get(pk=factcheck.pk)
    notes = _rows(Correction.objects.filter(factcheck=factcheck), "note", "author_id")
    return factcheck.version, factcheck.title, notes


def _rating_correction_proposed(team: Any) -> CorrectionProposal:
    """A published verdict whose rating a second editor, outside the roles under test, asked
    to correct: it waits for someone else to approve it."""
    factcheck = verdict_published(team)
    second = get_user_model().objects.create_user(
        username="bientap2", email="bientap2@example.org", password="mat-khau-dai-123"
    )
    Member.objects.create(workspace=team.workspace, user=second, role="editor")
    proposal = services.correction_propose(
        factcheck=factcheck, actor=second, note=CORRECTION_NOTE,
        rating=rating(team, "Gây hiểu lầm"),
    )
    assert isinstance(proposal, CorrectionProposal)
    return proposal


def _proposal_outcome(proposal: CorrectionProposal) -> tuple[Any, ...]:
    proposal.refresh_from_db()
    factcheck = FactCheck.objects.select_related("rating").get(pk=proposal.factcheck_id)
    return proposal.state, proposal.decided_by_id, factcheck.rating.label


def _scale_form(team: Any, _: Any) -> dict[str, str]:
    """The scale as the browser sends it: every step as it was, and one new step at the end."""
    steps = list(Rating.objects.filter(workspace=team.workspace).order_by("position"))
    rows = [
        {"id": str(r.pk), "label": r.label, "description": r.description, "is_active": "on"}
        for r in steps
    ]
    rows.append({"id": "", "label": NEW_STEP, "description": "Ảnh hay video bị cắt ghép."})
    data = {
        "ratings-TOTAL_FORMS": str(len(rows)),
        "ratings-INITIAL_FORMS": str(len(steps)),
        "ratings-MIN_NUM_FORMS": "0",
        "ratings-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        row["position"] = str(i + 1)
        if not row["id"]:
            row["is_active"] = "on"
        for key, value in row.items():
            data[f"ratings-{i}-{key}"] = value
    return data


_CLAIMS_AND_ACCOUNTS: dict[Action, dict[str, ViewCase]] = {
    Action.CREATE_CLAIM: {
        "claims:create": ViewCase(
            nothing,
            page_url("claims:create"),
            lambda team, _: {"text": NEW_CLAIM, "topic": "Giao thông"},
            _our_claims,
            lambda team, _, user, before: [*before, (NEW_CLAIM, "Giao thông", user.pk)],
            names_an_object=False,
        ),
    },
    Action.ASSIGN: {
        "claims:assign": ViewCase(
            claim_opened,
            object_url("claims:assign"),
            lambda team, _: {"assignee": team.checker2.pk},
            _claim_fields("assignee_id"),
            lambda team, _, user, before: [(team.checker2.pk,)],
        ),
    },
    Action.EDIT: {
        "claims:edit": ViewCase(
            claim_opened,
            object_url("claims:edit"),
            lambda team, _: {"text": EDITED_CLAIM, "topic": "Sức khỏe", "tags": "y tế, ung thư"},
            _claim_fields("text", "topic", "tags"),
            becomes_rows((EDITED_CLAIM, "Sức khỏe", ["y tế", "ung thư"])),
        ),
        "claims:dismiss": ViewCase(
            claim_opened,
            object_url("claims:dismiss"),
            lambda team, _: {"reason": DISMISS_REASON},
            _claim_fields("state", "dismiss_reason"),
            becomes_rows((ClaimState.DISMISSED, DISMISS_REASON)),
        ),
        "claims:reopen": ViewCase(
            _dismissed,
            object_url("claims:reopen"),
            lambda team, _: {},
            _claim_fields("state"),
            becomes_rows((ClaimState.OPEN,)),
        ),
        "claims:appearance_add": ViewCase(
            claim_opened,
            object_url("claims:appearance_add"),
            lambda team, _: {"url": SEEN_AT, "platform": "facebook"},
            lambda team, claim: _rows(
                Appearance.objects.filter(claim=claim), "url", "platform", "added_by_id"
            ),
            lambda team, _, user, before: [*before, (SEEN_AT, "facebook", user.pk)],
        ),
    },
    Action.COMMENT: {
        "claims:comment_add": ViewCase(
            claim_opened,
            object_url("claims:comment_add"),
            lambda team, _: {"body": COMMENT},
            lambda team, claim: _rows(Comment.objects.filter(claim=claim), "body", "author_id"),
            lambda team, _, user, before: [*before, (COMMENT, user.pk)],
        ),
    },
    Action.ADD_EVIDENCE: {
        "claims:evidence_add": ViewCase(
            claim_opened,
            object_url("claims:evidence_add"),
            lambda team, _: {"kind": EvidenceKind.NOTE, "title": "Bệnh viện K", "note": NOTE},
            lambda team, claim: _rows(
                Evidence.objects.filter(claim=claim), "kind", "note", "added_by_id"
            ),
            lambda team, _, user, before: [*before, (EvidenceKind.NOTE, NOTE, user.pk)],
        ),
        "claims:evidence_rearchive": ViewCase(
            _failed_archive,
            lambda team, evidence: reverse(
                "claims:evidence_rearchive", args=[evidence.claim_id, evidence.pk]
            ),
            lambda team, _: {},
            lambda team, evidence: _rows(Evidence.objects.filter(pk=evidence.pk), "archive_status"),
            becomes_rows((ArchiveStatus.PENDING,)),
        ),
        "claims:evidence_image_text": ViewCase(
            screenshot_evidence_read,
            lambda team, evidence: reverse(
                "claims:evidence_image_text", args=[evidence.claim_id, evidence.pk]
            ),
            lambda team, _: {"text": IMAGE_WORDS},
            lambda team, evidence: _rows(
                EvidenceImageText.objects.filter(evidence=evidence), "text", "corrected_by_id"
            ),
            lambda team, _, user, before: [(IMAGE_WORDS, user.pk)],
        ),
        "claims:evidence_remove": ViewCase(
            _failed_archive,
            lambda team, evidence: reverse(
                "claims:evidence_remove", args=[evidence.claim_id, evidence.pk]
            ),
            lambda team, _: {},
            lambda team, evidence: _rows(Evidence.objects.filter(pk=evidence.pk), "pk"),
            lambda team, evidence, user, before: [],
        ),
    },
    Action.WRITE_VERDICT: {
        "claims:start": ViewCase(
            claim_opened,
            object_url("claims:start"),
            lambda team, _: {},
            _claim_fields("state"),
            becomes_rows((ClaimState.IN_PROGRESS,)),
        ),
        "claims:verdict_save": ViewCase(
            claim_with_evidence,
            object_url("claims:verdict_save"),
            lambda team, _: {
                "rating": rating(team).pk,
                "title": VERDICT_TITLE,
                "summary": SUMMARY,
                "body": BODY,
            },
            lambda team, claim: _rows(
                FactCheck.objects.filter(claim=claim), "title", "author_id", "state"
            ),
            lambda team, _, user, before: [(VERDICT_TITLE, user.pk, FactCheckState.DRAFT)],
        ),
        "claims:verdict_submit": ViewCase(
            verdict_drafted,
            _verdict_url("claims:verdict_submit"),
            lambda team, _: {},
            _factcheck_fields("state"),
            becomes_rows((FactCheckState.IN_REVIEW,)),
        ),
    },
    Action.REVIEW: {
        "claims:verdict_review-approve": ViewCase(
            verdict_in_review,
            _verdict_url("claims:verdict_review"),
            lambda team, _: {"decision": "approve", "comment": ""},
            lambda team, fc: _review(fc),
            lambda team, _, user, before: (
                [(FactCheckState.APPROVED, user.pk)],
                [(user.pk, "approve", "")],
            ),
        ),
        "claims:verdict_review-request_changes": ViewCase(
            verdict_in_review,
            _verdict_url("claims:verdict_review"),
            lambda team, _: {"decision": "request_changes", "comment": CHANGES_WANTED},
            lambda team, fc: _review(fc)[1],
            lambda team, _, user, before: [(user.pk, "request_changes", CHANGES_WANTED)],
        ),
    },
    Action.PUBLISH: {
        "claims:verdict_publish": ViewCase(
            verdict_approved,
            _verdict_url("claims:verdict_publish"),
            lambda team, _: {},
            lambda team, fc: _publication(fc),
            lambda team, _, user, before: (FactCheckState.PUBLISHED, True, ClaimState.PUBLISHED),
        ),
    },
    Action.CORRECT: {
        "claims:verdict_correct": ViewCase(
            verdict_published,
            _verdict_url("claims:verdict_correct"),
            lambda team, _: {
                "note": CORRECTION_NOTE,
                "rating": rating(team).pk,
                "title": CORRECTED_TITLE,
                "summary": SUMMARY,
                "body": BODY + " Trích dẫn đúng cơ quan ban hành khuyến cáo.",
            },
            lambda team, fc: _correction(fc),
            lambda team, _, user, before: (
                before[0] + 1,
                CORRECTED_TITLE,
                [(CORRECTION_NOTE, user.pk)],
            ),
        ),
        "claims:correction_review": ViewCase(
            _rating_correction_proposed,
            lambda team, proposal: reverse(
                "claims:correction_review",
                args=[proposal.factcheck.claim_id, proposal.pk],
            ),
            lambda team, _: {"decision": "approve", "comment": ""},
            lambda team, proposal: _proposal_outcome(proposal),
            lambda team, _, user, before: ("approved", user.pk, "Gây hiểu lầm"),
        ),
    },
    Action.DELETE: {
        "claims:delete": ViewCase(
            claim_opened,
            object_url("claims:delete"),
            lambda team, _: {},
            lambda team, claim: Claim.objects.filter(pk=claim.pk).exists(),
            lambda team, _, user, before: False,
        ),
    },
    Action.MANAGE_MEMBERS: {
        "accounts:members": ViewCase(
            nothing,
            page_url("accounts:members"),
            None,
            _our_events,
            unchanged,
            names_an_object=False,
            shows_ours=lambda team, html: ">checker2" in html,
        ),
        "accounts:member_create": ViewCase(
            nothing,
            page_url("accounts:member_create"),
            lambda team, _: {
                "username": "phongvien",
                "email": "phongvien@example.org",
                "role": "checker",
                "password": "mot-mat-khau-rat-dai-2025",
            },
            _our_members,
            lambda team, _, user, before: [*before, ("phongvien", "checker", True)],
            names_an_object=False,
        ),
        "accounts:member_add_existing": ViewCase(
            _someone_without_a_team,
            page_url("accounts:member_add_existing"),
            lambda team, _: {"login": "congtacvien", "role": "viewer"},
            _our_members,
            lambda team, _, user, before: [*before, ("congtacvien", "viewer", True)],
            names_an_object=False,
        ),
        "accounts:member_role": ViewCase(
            _checker2_member,
            object_url("accounts:member_role"),
            lambda team, _: {"role": "editor"},
            _member_fields("role"),
            becomes_rows(("editor",)),
        ),
        "accounts:member_deactivate": ViewCase(
            _checker2_member,
            object_url("accounts:member_deactivate"),
            lambda team, _: {},
            _member_fields("is_active"),
            becomes_rows((False,)),
        ),
        "accounts:member_reactivate": ViewCase(
            _checker2_deactivated,
            object_url("accounts:member_reactivate"),
            lambda team, _: {},
            _member_fields("is_active"),
            becomes_rows((True,)),
        ),
    },
    Action.MANAGE_WORKSPACE: {
        "accounts:workspace_settings-page": ViewCase(
            nothing,
            page_url("accounts:workspace_settings"),
            None,
            _our_events,
            unchanged,
            names_an_object=False,
            shows_ours=lambda team, html: "dinhchinh@example.org" in html,
        ),
        "accounts:workspace_settings": ViewCase(
            nothing,
            page_url("accounts:workspace_settings"),
            lambda team, _: {
                "name": NEW_NAME,
                "description": "Kiểm chứng tin đồn ở các tỉnh miền Trung.",
                "corrections_email": "dinhchinh@example.org",
            },
            _our_workspace,
            becomes_rows(
                (
                    NEW_NAME,
                    "Kiểm chứng tin đồn ở các tỉnh miền Trung.",
                    "dinhchinh@example.org",
                    False,
                )
            ),
            names_an_object=False,
        ),
        "claims:ratings": ViewCase(
            nothing,
            page_url("claims:ratings"),
            _scale_form,
            _our_scale,
            lambda team, _, user, before: [*before, NEW_STEP],
            names_an_object=False,
        ),
    },
    Action.VIEW_AUDIT: {
        "audit:list": ViewCase(
            claim_opened,
            page_url("audit:list"),
            None,
            _our_events,
            unchanged,
            names_an_object=False,
            shows_ours=lambda team, html: CLAIM_TEXT in html,
        ),
    },
}


VIEW_CASES = merged(_CLAIMS_AND_ACCOUNTS, TIPLINE_VIEW_CASES, WEBHOOK_VIEW_CASES)


def _events_by(team: Any, user: Any) -> int:
    return AuditEvent.objects.filter(workspace=team.workspace, actor=user).count()


def _send(client: Any, case: ViewCase, team: Any, subject: Any) -> Any:
    url = case.url(team, subject)
    if case.form is None:
        return client.get(url)
    return client.post(url, case.form(team, subject))


def _body(response: Any) -> str:
    """The answer's body as text; a file (an image) byte for byte, undecodable bytes escaped."""
    if response.streaming:
        try:
            raw = b"".join(response.streaming_content)
        finally:
            response.close()
    else:
        raw = response.content
    return raw.decode("utf-8", "surrogateescape")


def _tries_to_enter_our_workspace(client: Any, team: Any) -> None:
    """The outsider picks our workspace in the switcher, then forges the choice in the session."""
    response = client.post(reverse("accounts:switch_workspace"), {"workspace": team.workspace.pk})
    assert response.status_code == 404
    session = client.session
    session[SESSION_KEY] = team.workspace.pk
    session.save()


def test_every_action_is_performed_by_some_page():
    assert set(VIEW_CASES) == set(Action)
    assert all(VIEW_CASES[action] for action in Action)


# Staff pages of the tipline that are no case of the table, and why.
_NOT_A_CASE = {
    # The nav's count of new tips answers every member: zero for one who may not handle tips.
    "tipline_staff:badge",
}


def _staff_pages_of_the_tipline() -> set[str]:
    """The URL names of the tipline's staff pages: not its webhooks nor the public form pages,
    and not a second address of a page already listed (an entry's edit form is its list's)."""
    from kiemchung.tipline import urls, urls_channels, urls_staff, views_public, webhooks

    names: set[str] = set()
    seen: set[Any] = set()
    for module in (urls_staff, urls_channels, urls):
        for pattern in module.urlpatterns:
            view = pattern.callback
            if view.__module__ in (webhooks.__name__, views_public.__name__) or view in seen:
                continue
            seen.add(view)
            names.add(f"{module.app_name}:{pattern.name}")
    return names


def test_every_staff_page_of_the_tipline_is_a_case():
    # A case named "<url name>-<what>" is one more request to that page.
    named = {name.split("-", 1)[0] for cases_ in TIPLINE_VIEW_CASES.values() for name in cases_}
    pages = _staff_pages_of_the_tipline()
    assert {"tipline_staff:media", "tipline:conversation", "tipline_staff:legal"} <= pages
    assert "tipline_staff:legal_edit" not in pages and "tipline:hook_zalo" not in pages
    assert pages - _NOT_A_CASE <= named, f"pages without a case: {pages - _NOT_A_CASE - named}"
    assert pages >= _NOT_A_CASE, "a page left out of the table is gone from the urls"


@pytest.mark.parametrize(
    ("role", "action", "allowed", "view"),
    cases({action: list(views) for action, views in VIEW_CASES.items()}),
)
def test_page_obeys_the_permission_matrix(team, client, role, action, allowed, view):
    case = VIEW_CASES[action][view]
    subject = case.prepare(team)
    user = user_for(team, role)
    client.force_login(user)
    if role == "outsider":
        _tries_to_enter_our_workspace(client, team)
    before = case.observe(team, subject)
    events_before = _events_by(team, user)

    response = _send(client, case, team, subject)
    html = _body(response)

    if allowed:
        assert response.status_code in (200, 302), html[:2000]
        if response.status_code == 302:
            assert "/login" not in response["Location"]
        assert case.observe(team, subject) == case.after(team, subject, user, before)
        if case.writes:
            assert _events_by(team, user) > events_before
        if case.shows_ours is not None:
            assert case.shows_ours(team, html)
        return

    assert case.observe(team, subject) == before
    assert _events_by(team, user) == events_before
    if case.shows_ours is not None:
        assert not case.shows_ours(team, html)
    if role != "outsider":
        assert response.status_code == 403, html[:2000]
    elif case.names_an_object:
        assert response.status_code == 404
    else:
        # Their own workspace answers, never ours, however they asked for it.
        assert response.wsgi_request.workspace == team.other_workspace


def _refusals() -> list[Any]:
    params = []
    for param in cases({action: list(views) for action, views in VIEW_CASES.items()}):
        role, action, allowed, view = param.values
        if allowed or role == "outsider":
            continue
        params.append(pytest.param(role, action, view, id=param.id))
    return params


@pytest.mark.parametrize(("role", "action", "view"), _refusals())
def test_a_refusal_says_why_in_vietnamese(team, client, role, action, view):
    case = VIEW_CASES[action][view]
    subject = case.prepare(team)
    client.force_login(user_for(team, role))

    response = _send(client, case, team, subject)

    assert response.status_code == 403
    html = _body(response)
    assert "Không có quyền" in html, html[:500]
    assert f"Vai trò của bạn không được phép: {ACTION_LABELS[action]}" in html
