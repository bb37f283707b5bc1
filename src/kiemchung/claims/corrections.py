"""Corrections that change the conclusion: proposed by one member, made public by a second.

A correction of the title or the body stays one person's (`verdicts.factcheck_correct`); one
that changes the rating or the summary waits here as a `CorrectionProposal` until another
member who may correct approves it. Reached as `kiemchung.claims.services.<name>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemchung.accounts.permissions import Action
from kiemchung.audit.services import audit_record
from kiemchung.claims.models import (
    Correction,
    CorrectionProposal,
    FactCheck,
    ProposalState,
    Rating,
    ReviewDecision,
)
from kiemchung.claims.verdicts import (
    CONCLUSION_FIELDS,
    correction_apply,
    correction_changes,
    correction_open_check,
    factcheck_correct,
)
from kiemchung.claims.workflow import acting_user, clean_required_text, locked, snapshot

if TYPE_CHECKING:
    from kiemchung.claims.workflow import Actor

TWO_PERSON_CORRECTION = gettext_lazy(
    "Quy tắc hai người: bạn đã đề nghị đính chính này nên không thể tự duyệt nó. Hãy nhờ một "
    "biên tập viên khác."
)


def correction_propose(
    *,
    factcheck: FactCheck,
    actor: Actor,
    note: str,
    rating: Rating | None = None,
    title: str | None = None,
    summary: str | None = None,
    body: str | None = None,
) -> Correction | CorrectionProposal:
    """The correction form: public at once when the conclusion stays as it is; otherwise a
    proposal that waits for a second person (`correction_review`)."""
    claim = factcheck.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.CORRECT)
    locked(factcheck)
    correction_open_check(factcheck)
    changed = correction_changes(
        factcheck=factcheck, rating=rating, title=title, summary=summary, body=body
    )
    if not CONCLUSION_FIELDS & set(changed):
        return factcheck_correct(
            factcheck=factcheck,
            actor=actor,
            note=note,
            rating=rating,
            title=title,
            summary=summary,
            body=body,
        )
    clean_note = clean_required_text(
        note, field="note", message=_("Hãy ghi nội dung đính chính cho người đọc.")
    )
    proposal = CorrectionProposal.objects.create(
        factcheck=factcheck,
        note=clean_note,
        rating=changed.get("rating"),
        texts={name: value for name, value in changed.items() if name != "rating"},
        proposed_by=user,
    )
    audit_record(
        workspace=claim.workspace,
        actor=user,
        action="factcheck.correction_propose",
        obj=factcheck,
        before=snapshot(factcheck, tuple(changed)),
        after={**snapshot(factcheck, ()), **_shown(changed), "note": clean_note},
    )
    return proposal


def _shown(changed: dict[str, object]) -> dict[str, object]:
    """The proposed values as the audit log keeps them (a rating by its label)."""
    return {
        name: value.label if isinstance(value, Rating) else value
        for name, value in changed.items()
    }


def proposal_changes(proposal: CorrectionProposal) -> dict[str, object]:
    """What the proposal would change, field by field (None fields stay as they are)."""
    values = {
        "rating": proposal.rating,
        "title": proposal.title,
        "summary": proposal.summary,
        "body": proposal.body,
    }
    return {name: value for name, value in values.items() if value is not None}


def correction_review(
    *, proposal: CorrectionProposal, actor: Actor, decision: str, comment: str = ""
) -> CorrectionProposal:
    """A second member approves a proposed correction, which then goes public, or refuses it
    with a reason; whoever proposed it may do neither."""
    factcheck = proposal.factcheck
    claim = factcheck.claim
    user = acting_user(actor=actor, workspace=claim.workspace, action=Action.CORRECT)
    locked(factcheck)
    locked(proposal)
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": _("Quyết định duyệt không hợp lệ.")})
    if proposal.state != ProposalState.PENDING:
        raise ValidationError(
            _("Đề nghị đính chính này đã được xử lý (%(state)s).")
            % {"state": proposal.get_state_display()}
        )
    if user.pk == proposal.proposed_by_id:
        raise ValidationError(TWO_PERSON_CORRECTION)
    note = (comment or "").strip()
    if decision == ReviewDecision.REQUEST_CHANGES and not note:
        raise ValidationError({"comment": _("Hãy ghi rõ vì sao không duyệt đính chính này.")})
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.comment = note
    if decision == ReviewDecision.APPROVE:
        # The verdict may have been corrected (title, body) since: apply only what still
        # differs, checked again as it stands now.
        changed = correction_changes(
            factcheck=factcheck,
            rating=proposal.rating,
            title=proposal.title,
            summary=proposal.summary,
            body=proposal.body,
        )
        proposal.state = ProposalState.APPROVED
        proposal.save(update_fields=["state", "decided_by", "decided_at", "comment"])
        proposal.correction = correction_apply(
            factcheck=factcheck,
            user=proposal.proposed_by,
            note=proposal.note,
            changed=changed,
            approved_by=user,
        )
        proposal.save(update_fields=["correction"])
    else:
        proposal.state = ProposalState.REJECTED
        proposal.save(update_fields=["state", "decided_by", "decided_at", "comment"])
        audit_record(
            workspace=claim.workspace,
            actor=user,
            action="factcheck.correction_reject",
            obj=factcheck,
            after={"proposal": proposal.pk, "comment": note},
        )
    return proposal
