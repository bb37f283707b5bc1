"""Merging a duplicate claim into another one.

Reached as `kiemchung.claims.services.claim_merge`; kept apart only to keep each module short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from kiemchung.accounts.permissions import Action
from kiemchung.audit.services import audit_record
from kiemchung.claims.matching import index_touch
from kiemchung.claims.models import Appearance, Claim, ClaimState, Comment, Evidence
from kiemchung.claims.workflow import CLAIM_TRANSITIONS, acting_user, locked, moves_from

if TYPE_CHECKING:
    from kiemchung.claims.workflow import Actor


def _check_mergeable(source: Claim, target: Claim) -> None:
    if source.state == ClaimState.PUBLISHED:
        raise ValidationError(
            _("Nhận định #%(pk)d đã công bố kết luận nên không thể gộp vào nhận định khác.")
            % {"pk": source.pk}
        )
    if source.state not in moves_from(CLAIM_TRANSITIONS, "claim_merge", ClaimState.DISMISSED):
        raise ValidationError(
            _("Không thể gộp nhận định đang ở trạng thái “%(state)s”.")
            % {"state": source.get_state_display()}
        )
    if target.state == ClaimState.DISMISSED:
        raise ValidationError(
            _("Nhận định #%(pk)d đã bị bỏ qua; hãy mở lại trước khi gộp vào.") % {"pk": target.pk}
        )
    if target.state == ClaimState.PUBLISHED and Evidence.objects.filter(claim=source).exists():
        raise ValidationError(
            _(
                "Nhận định #%(target)d đã công bố: nguồn của bài chỉ thay đổi qua đính chính, "
                "nên không thể chuyển bằng chứng của #%(source)d sang."
            )
            % {"target": target.pk, "source": source.pk}
        )


def claim_merge(*, source: Claim, target: Claim, actor: Actor) -> Claim:
    """Fold the duplicate `source` into `target` and return `target`.

    Appearances (except links the target already has), evidence with its archived copies and
    the discussion move to the target; the source is dismissed with a link to it and keeps its
    own audit trail and any draft verdict. Both claims get an audit event naming what moved.
    """
    user = acting_user(actor=actor, workspace=source.workspace, action=Action.EDIT)
    if target.workspace_id != source.workspace_id:
        raise ValidationError(_("Chỉ gộp được các nhận định trong cùng một nhóm."))
    if target.pk == source.pk:
        raise ValidationError(_("Không thể gộp một nhận định vào chính nó."))
    # Always the lower id first, so two merges of the same pair cannot wait on each other.
    for claim in sorted((source, target), key=lambda c: c.pk):
        locked(claim)
    _check_mergeable(source, target)

    target_urls = set(
        Appearance.objects.filter(claim=target).exclude(url="").values_list("url", flat=True)
    )
    appearances = [
        appearance.pk
        for appearance in Appearance.objects.filter(claim=source)
        if not appearance.url or appearance.url not in target_urls
    ]
    evidence = list(Evidence.objects.filter(claim=source).values_list("pk", flat=True))
    comments = list(Comment.objects.filter(claim=source).values_list("pk", flat=True))
    Appearance.objects.filter(pk__in=appearances).update(claim=target)
    Evidence.objects.filter(pk__in=evidence).update(claim=target)
    Comment.objects.filter(pk__in=comments).update(claim=target)
    moved = {"appearances": appearances, "evidence": evidence, "comments": comments}

    before = {"state": source.state, "dismiss_reason": source.dismiss_reason}
    source.state = ClaimState.DISMISSED
    # Stored in the newsroom's working language, whatever language the person merging reads.
    with translation.override(settings.LANGUAGE_CODE):
        source.dismiss_reason = _("Đã gộp vào nhận định #%(pk)d.") % {"pk": target.pk}
    source.merged_into = target
    source.save(update_fields=["state", "dismiss_reason", "merged_into", "updated_at"])
    target.save(update_fields=["updated_at"])
    audit_record(
        workspace=source.workspace,
        actor=user,
        action="claim.merge",
        obj=source,
        before=before,
        after={
            "state": source.state,
            "dismiss_reason": source.dismiss_reason,
            "merged_into": target.pk,
            **moved,
        },
    )
    audit_record(
        workspace=target.workspace,
        actor=user,
        action="claim.merge_in",
        obj=target,
        after={"merged_from": source.pk, **moved},
    )
    index_touch(claims=[source, target])
    return target
