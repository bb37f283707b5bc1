"""The permission matrix, proved through the real services: every role × every action.

For each action, each service that performs it is called by each role on a claim prepared by
someone else who may; the service must let it through exactly when MATRIX says so, and a
write it lets through leaves an audit event in that person's name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from claim_stories import (
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
from kiemchung.accounts.models import Role
from kiemchung.accounts.permissions import ACTION_LABELS, MATRIX, Action, can
from kiemchung.accounts.selectors import member_for
from kiemchung.audit.models import AuditEvent
from kiemchung.audit.selectors import audit_events
from kiemchung.claims import services
from kiemchung.claims.models import ArchiveStatus, Evidence, EvidenceKind
from permissions_table import ROLES, ServiceCase, cases, expected, merged, nothing, user_for
from permissions_tipline import TIPLINE_ROWS, TIPLINE_SERVICE_CASES, TIPLINE_VIEW_CASES

# Some scenes store an image (a tip's photo).
pytestmark = pytest.mark.usefixtures("media_root")


def _dismissed(team: Any) -> Any:
    return services.claim_dismiss(claim=claim_opened(team), actor=team.editor, reason="Ý kiến.")


def _failed_archive(team: Any) -> Evidence:
    claim = claim_opened(team)
    evidence = services.evidence_add(
        claim=claim, actor=team.editor, kind=EvidenceKind.URL, url="https://moh.gov.vn/tin"
    )
    Evidence.objects.filter(pk=evidence.pk).update(archive_status=ArchiveStatus.FAILED)
    evidence.refresh_from_db()
    return evidence


_CLAIMS_AND_ACCOUNTS: dict[Action, dict[str, ServiceCase]] = {
    Action.CREATE_CLAIM: {
        "claim_create": ServiceCase(
            nothing,
            lambda team, _, user: services.claim_create(
                workspace=team.workspace, actor=user, text="Nhà nước sắp cấm xe máy từ năm sau"
            ),
        ),
    },
    Action.ASSIGN: {
        "claim_assign": ServiceCase(
            claim_opened,
            lambda team, claim, user: services.claim_assign(
                claim=claim, actor=user, assignee=team.checker2
            ),
        ),
    },
    Action.EDIT: {
        "claim_update": ServiceCase(
            claim_opened,
            lambda team, claim, user: services.claim_update(
                claim=claim, actor=user, topic="Sức khỏe"
            ),
        ),
        "claim_dismiss": ServiceCase(
            claim_opened,
            lambda team, claim, user: services.claim_dismiss(
                claim=claim, actor=user, reason="Không phải nhận định kiểm chứng được."
            ),
        ),
        "claim_reopen": ServiceCase(
            _dismissed, lambda team, claim, user: services.claim_reopen(claim=claim, actor=user)
        ),
        "claim_merge": ServiceCase(
            lambda team: (
                claim_opened(team, text="Vắc xin làm phụ nữ vô sinh"),
                claim_opened(team, text="Tiêm vắc xin gây vô sinh ở phụ nữ"),
            ),
            lambda team, claims, user: services.claim_merge(
                source=claims[0], target=claims[1], actor=user
            ),
        ),
        "appearance_add": ServiceCase(
            claim_opened,
            lambda team, claim, user: services.appearance_add(
                claim=claim, actor=user, url="https://facebook.com/bai-viet/1", platform="facebook"
            ),
        ),
    },
    Action.COMMENT: {
        "comment_add": ServiceCase(
            claim_opened,
            lambda team, claim, user: services.comment_add(
                claim=claim, actor=user, body="Tôi đã thấy bài này trên ba nhóm."
            ),
        ),
    },
    Action.ADD_EVIDENCE: {
        "evidence_add": ServiceCase(
            claim_opened,
            lambda team, claim, user: services.evidence_add(
                claim=claim, actor=user, kind=EvidenceKind.NOTE, note="Đã gọi điện cho bệnh viện."
            ),
        ),
        "evidence_rearchive": ServiceCase(
            _failed_archive,
            lambda team, evidence, user: services.evidence_rearchive(evidence=evidence, actor=user),
        ),
        "evidence_remove": ServiceCase(
            _failed_archive,
            lambda team, evidence, user: services.evidence_remove(evidence=evidence, actor=user),
        ),
        "evidence_image_text_correct": ServiceCase(
            screenshot_evidence_read,
            lambda team, evidence, user: services.evidence_image_text_correct(
                evidence=evidence, actor=user, text="Xe không chính chủ bị phạt"
            ),
        ),
    },
    Action.WRITE_VERDICT: {
        "claim_start": ServiceCase(
            claim_opened, lambda team, claim, user: services.claim_start(claim=claim, actor=user)
        ),
        "factcheck_save": ServiceCase(
            claim_with_evidence,
            lambda team, claim, user: services.factcheck_save(
                claim=claim,
                actor=user,
                rating=rating(team),
                title="Nước chanh không chữa ung thư",
                summary="Sai: không có bằng chứng.",
                body="",
            ),
        ),
        "factcheck_submit": ServiceCase(
            verdict_drafted,
            lambda team, fc, user: services.factcheck_submit(factcheck=fc, actor=user),
        ),
    },
    Action.REVIEW: {
        "review_submit": ServiceCase(
            verdict_in_review,
            lambda team, fc, user: services.review_submit(
                factcheck=fc, actor=user, decision="approve"
            ),
        ),
    },
    Action.PUBLISH: {
        "factcheck_publish": ServiceCase(
            verdict_approved,
            lambda team, fc, user: services.factcheck_publish(factcheck=fc, actor=user),
        ),
    },
    Action.CORRECT: {
        "factcheck_correct": ServiceCase(
            verdict_published,
            lambda team, fc, user: services.factcheck_correct(
                factcheck=fc, actor=user, note="Sửa tên cơ quan.", body="Nội dung đã sửa."
            ),
        ),
    },
    Action.DELETE: {
        "claim_delete": ServiceCase(
            claim_opened, lambda team, claim, user: services.claim_delete(claim=claim, actor=user)
        ),
    },
    Action.MANAGE_MEMBERS: {
        "member_add": ServiceCase(
            nothing,
            lambda team, _, user: accounts_services.member_add(
                workspace=team.workspace,
                actor=user,
                username="phongvien",
                email="phongvien@example.org",
                role="checker",
                password="mot-mat-khau-rat-dai-2025",
            ),
        ),
    },
    Action.MANAGE_WORKSPACE: {
        "ratings_update": ServiceCase(
            nothing,
            lambda team, _, user: services.ratings_update(
                workspace=team.workspace,
                actor=user,
                ratings=[{"label": "Đúng"}, {"label": "Sai"}],
            ),
        ),
        "workspace_update": ServiceCase(
            nothing,
            lambda team, _, user: accounts_services.workspace_update(
                workspace=team.workspace, actor=user, name="Nhóm Kiểm Chứng Miền Trung"
            ),
        ),
    },
    Action.VIEW_AUDIT: {
        "audit_events": ServiceCase(
            nothing,
            lambda team, _, user: list(audit_events(workspace=team.workspace, user=user)),
            writes=False,
        ),
    },
}


SERVICE_CASES = merged(_CLAIMS_AND_ACCOUNTS, TIPLINE_SERVICE_CASES)


def test_every_action_is_performed_by_some_service():
    assert set(SERVICE_CASES) == set(Action)
    assert all(SERVICE_CASES[action] for action in Action)


@pytest.mark.parametrize(
    ("role", "action", "allowed", "service"),
    cases({action: list(names) for action, names in SERVICE_CASES.items()}),
)
def test_service_obeys_the_permission_matrix(team, role, action, allowed, service):
    case = SERVICE_CASES[action][service]
    subject = case.prepare(team)
    user = user_for(team, role)
    before = AuditEvent.objects.filter(actor=user).count()

    if allowed:
        case.act(team, subject, user)
        if case.writes:
            assert AuditEvent.objects.filter(actor=user).count() > before
    else:
        with pytest.raises(PermissionDenied):
            case.act(team, subject, user)
        assert AuditEvent.objects.filter(actor=user).count() == before


@pytest.mark.parametrize(("role", "action", "allowed"), cases())
def test_can_answers_as_the_matrix_says(team, role, action, allowed):
    member = member_for(user=user_for(team, role), workspace=team.workspace)
    assert can(member, action) is allowed


def test_an_inactive_member_may_do_nothing(team):
    member = team.member(team.admin)
    member.is_active = False
    member.save()
    with pytest.raises(PermissionDenied):
        services.claim_create(workspace=team.workspace, actor=team.admin, text="Một nhận định")


def test_the_table_covers_every_role_of_the_matrix():
    assert set(MATRIX) <= set(ROLES)
    assert not any(expected("outsider", action) for action in Action)


ROLES_DOC = Path(__file__).resolve().parents[1] / "docs" / "ROLES.md"
ROLE_COLUMNS = (Role.ADMIN, Role.EDITOR, Role.CHECKER, Role.VIEWER)


def roles_matrix_markdown() -> str:
    """The permission table of docs/ROLES.md, written from MATRIX and the service cases."""
    with translation.override("vi"):
        header = ["Action", "Code", *(f"{r.label} (`{r.value}`)" for r in ROLE_COLUMNS)]
        lines = [
            "| " + " | ".join(header) + " | Tested through |",
            "|---|---|" + ":-:|" * len(ROLE_COLUMNS) + "---|",
        ]
        for action in Action:
            marks = ["✓" if action in MATRIX[role] else "—" for role in ROLE_COLUMNS]
            services_ = ", ".join(f"`{name}`" for name in SERVICE_CASES[action])
            lines.append(
                f"| {ACTION_LABELS[action]} | `{action.value}` | "
                + " | ".join(marks)
                + f" | {services_} |"
            )
    return "\n".join(lines)


def _between_markers(text: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    assert start in text and end in text, f"the {name} markers are missing"
    return text.split(start, 1)[1].split(end, 1)[0].strip()


def test_roles_doc_shows_the_matrix():
    page = ROLES_DOC.read_text(encoding="utf-8")
    expected_table = roles_matrix_markdown()

    assert _between_markers(page, "roles-matrix") == expected_table, (
        "docs/ROLES.md is stale; the table should read:\n\n" + expected_table
    )


TIPLINE_HEADER = "| Staff action | Code | " + " | ".join(f"`{r.value}`" for r in ROLE_COLUMNS)


def _action_of(name: str) -> Action:
    cases_ = SERVICE_CASES if ":" not in name else TIPLINE_VIEW_CASES
    [action] = [action for action, named in cases_.items() if name in named]
    return action


def tipline_matrix_markdown() -> str:
    """The tipline's table of docs/ROLES.md: each staff action, the matrix row that allows it,
    and the services and pages that prove it."""
    lines = [
        TIPLINE_HEADER + " | Services | Pages |",
        "|---|---|" + ":-:|" * len(ROLE_COLUMNS) + "---|---|",
    ]
    for label, names in TIPLINE_ROWS.items():
        [action] = {_action_of(name) for name in names}
        marks = ["✓" if action in MATRIX[role] else "—" for role in ROLE_COLUMNS]
        services_ = ", ".join(f"`{n}`" for n in names if ":" not in n) or "—"
        pages = ", ".join(f"`{n}`" for n in names if ":" in n) or "—"
        cells = [label, f"`{action.value}`", *marks, services_, pages]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_every_tipline_case_is_a_row_of_the_tipline_table():
    listed = [name for names in TIPLINE_ROWS.values() for name in names]
    assert len(listed) == len(set(listed))
    assert set(listed) == {
        name for named in (*TIPLINE_SERVICE_CASES.values(), *TIPLINE_VIEW_CASES.values())
        for name in named
    }


def test_roles_doc_shows_the_tipline_table():
    page = ROLES_DOC.read_text(encoding="utf-8")
    expected_table = tipline_matrix_markdown()

    assert _between_markers(page, "tipline-matrix") == expected_table, (
        "docs/ROLES.md is stale; the tipline table should read:\n\n" + expected_table
    )
