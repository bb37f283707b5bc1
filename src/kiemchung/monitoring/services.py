"""Writes for monitoring: sources, taking items in, triage decisions and matches.

Taking items in lives in ingest.py and is re-exported here, so every write of the app is
`kiemchung.monitoring.services.<name>`. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.accounts.selectors import member_for
from kiemchung.audit.services import audit_record
from kiemchung.claims import services as claim_services
from kiemchung.claims.models import Claim
from kiemchung.core import events
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.monitoring.ingest import (
    ANSWERING_KINDS,
    LEXICAL_SHOWN,
    LEXICAL_STRONG,
    MATCHES_KEPT,
    IngestPlan,
    IngestReport,
    Post,
    enqueue_match,
    item_ingest,
    item_rank,
    items_ingest,
    items_plan,
    items_store,
    sighting_key,
)
from kiemchung.monitoring.models import (
    FETCHED_KINDS,
    Item,
    ItemState,
    MatchStage,
    Source,
    SourceKind,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Actor = User | AnonymousUser

__all__ = [
    "ANSWERING_KINDS",
    "LEXICAL_SHOWN",
    "LEXICAL_STRONG",
    "MATCHES_KEPT",
    "IngestPlan",
    "IngestReport",
    "Post",
    "enqueue_match",
    "item_ingest",
    "item_matches_set",
    "item_rank",
    "items_decide",
    "items_ingest",
    "items_plan",
    "items_store",
    "sighting_key",
    "source_create",
    "source_for_kind",
    "source_update",
    "url_submit",
]

SOURCE_NAME_MAX = 120
PLATFORM_MAX = 40


# Sources.


def _acting(*, actor: Actor, workspace: Workspace, action: Action) -> User:
    """The acting user once their membership in the workspace allows the action."""
    member = member_for(user=actor, workspace=workspace)
    require(member, action)
    assert member is not None  # require() refuses a missing membership
    return member.user


def _clean_source(
    *, workspace: Workspace, name: str, kind: str, url: str, exclude: int | None = None
) -> tuple[str, str]:
    clean_name = " ".join((name or "").split())[:SOURCE_NAME_MAX]
    if not clean_name:
        raise ValidationError({"name": _("Hãy đặt tên cho nguồn.")})
    clash = Source.objects.filter(workspace=workspace, name__iexact=clean_name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": _("Nhóm đã có một nguồn tên này.")})
    if kind not in SourceKind.values:
        raise ValidationError({"kind": _("Loại nguồn không hợp lệ.")})
    from kiemchung.claims.workflow import clean_url

    clean = clean_url(url)
    if kind in FETCHED_KINDS and not clean:
        raise ValidationError({"url": _("Nguồn tin và trang theo dõi cần một đường dẫn.")})
    return clean_name, clean


def source_create(
    *,
    workspace: Workspace,
    actor: Actor | None,
    name: str,
    kind: str,
    url: str = "",
    platform: str = "",
    interval_minutes: int = 30,
    fetch_full_text: bool = True,
) -> Source:
    """Add a source to watch; `actor=None` for the system (the tipline, a CLI import)."""
    user = (
        _acting(actor=actor, workspace=workspace, action=Action.MANAGE_WORKSPACE)
        if actor is not None
        else None
    )
    clean_name, clean = _clean_source(workspace=workspace, name=name, kind=kind, url=url)
    if not 5 <= interval_minutes <= 7 * 24 * 60:
        raise ValidationError(
            {"interval_minutes": _("Chu kỳ phải từ 5 phút đến 7 ngày.")}
        )
    source = Source.objects.create(
        workspace=workspace,
        name=clean_name,
        kind=kind,
        url=clean,
        platform=(platform or "").strip()[:PLATFORM_MAX],
        interval_minutes=interval_minutes,
        fetch_full_text=fetch_full_text,
        next_fetch_at=timezone.now() if kind in FETCHED_KINDS else None,
    )
    audit_record(
        workspace=workspace,
        actor=user,
        action="source.create",
        obj=source,
        after={"name": clean_name, "kind": kind, "url": clean},
    )
    return source


def source_update(
    *,
    source: Source,
    actor: Actor,
    is_active: bool | None = None,
    interval_minutes: int | None = None,
    fetch_now: bool = False,
) -> Source:
    """Pause or resume a source, change its schedule, or ask for a fetch at the next round."""
    user = _acting(actor=actor, workspace=source.workspace, action=Action.MANAGE_WORKSPACE)
    before = {"is_active": source.is_active, "interval_minutes": source.interval_minutes}
    if is_active is not None:
        source.is_active = is_active
    if interval_minutes is not None:
        if not 5 <= interval_minutes <= 7 * 24 * 60:
            raise ValidationError(
                {"interval_minutes": _("Chu kỳ phải từ 5 phút đến 7 ngày.")}
            )
        source.interval_minutes = interval_minutes
    if fetch_now or (is_active and source.is_fetched):
        source.next_fetch_at = timezone.now()
    source.save()
    audit_record(
        workspace=source.workspace,
        actor=user,
        action="source.update",
        obj=source,
        before=before,
        after={"is_active": source.is_active, "interval_minutes": source.interval_minutes},
    )
    return source


def url_submit(*, workspace: Workspace, actor: Actor, url: str) -> Source:
    """A link a member pasted, as a one-off source fetched at the next round (or at once by
    the caller's task); pasting a known link again fetches it again."""
    from kiemchung.claims.workflow import clean_url

    user = _acting(actor=actor, workspace=workspace, action=Action.EDIT)
    clean = clean_url(url)
    if not clean:
        raise ValidationError({"url": _("Hãy dán một đường dẫn.")})
    source = Source.objects.filter(workspace=workspace, kind=SourceKind.URL, url=clean).first()
    if source is None:
        name = f"{_('Đường dẫn')}: {clean}"[: SOURCE_NAME_MAX - 8]
        if Source.objects.filter(workspace=workspace, name__iexact=name).exists():
            name = f"{name} #{Source.objects.filter(workspace=workspace).count() + 1}"
        source = Source.objects.create(
            workspace=workspace, name=name, kind=SourceKind.URL, url=clean, platform="web",
            next_fetch_at=timezone.now(),
        )
    else:
        source.is_active = True
        source.next_fetch_at = timezone.now()
        source.save(update_fields=["is_active", "next_fetch_at", "updated_at"])
    audit_record(workspace=workspace, actor=user, action="source.url_submit", obj=source,
                 after={"url": clean})
    return source


def source_for_kind(*, workspace: Workspace, kind: str, name: str) -> Source:
    """The workspace's source of this kind and name, created on first use (system sources)."""
    source = Source.objects.filter(workspace=workspace, kind=kind, name=name).first()
    if source is None:
        source = source_create(workspace=workspace, actor=None, name=name, kind=kind)
    return source


# Triage decisions.


class Decision:
    PROMOTE = "promote"
    ATTACH = "attach"
    DISMISS = "dismiss"


DECISIONS = (Decision.PROMOTE, Decision.ATTACH, Decision.DISMISS)
RETRAIN_EVERY = 10


def _appearance_for(item: Item, claim: Claim, actor: Actor) -> None:
    # Every public copy becomes an appearance, up to a handful: the first post is enough to
    # find the rest, and they all stay on the item. Its text is a known wording of the claim,
    # unless it came from the tipline: a tip's words are never searched or shown as one.
    wording = item.source.kind != SourceKind.TIPLINE
    urls = [item.url] if item.url else []
    for url in item.sightings.exclude(url="").values_list("url", flat=True)[:5]:
        if url not in urls:
            urls.append(url)
    known = set(claim.appearances.values_list("url", flat=True))
    added = False
    for url in urls:
        if url in known:
            continue
        claim_services.appearance_add(
            claim=claim,
            actor=actor,
            url=url,
            platform=item.platform,
            seen_at=item.published_at or item.first_seen_at,
            text=item.text[:2000] if not added else "",
            wording=wording,
        )
        added = True
    if not added and not urls:
        claim_services.appearance_add(
            claim=claim,
            actor=actor,
            platform=item.platform,
            seen_at=item.published_at or item.first_seen_at,
            text=item.text[:2000],
            wording=wording,
        )


def _decided(item: Item, *, state: str, actor: Actor, claim: Claim | None) -> None:
    item.state = state
    item.claim = claim
    item.decided_by = actor  # type: ignore[assignment]
    item.decided_at = timezone.now()
    decided = Item.objects.filter(pk=item.pk).update(
        state=state, claim=claim, decided_by=actor, decided_at=item.decided_at,
        updated_at=item.decided_at,
    )
    if not decided:
        # Folded into an item with the same picture since the page was shown (imagefold.py).
        raise ValidationError(_("Mục này vừa được gộp vào một mục khác cùng ảnh; hãy tải lại."))


def items_decide(
    *,
    workspace: Workspace,
    actor: Actor,
    items: Sequence[Item],
    decision: str,
    claim: Claim | None = None,
    text: str = "",
    topic: str = "",
) -> list[Claim]:
    """Promote items to one new claim each, attach them to a claim, or dismiss them.

    Promote: `text` (when given, for a single item) is the claim's wording, else the item's.
    Returns the claims created or attached to. Every few decisions the learner is retrained.
    """
    if decision not in DECISIONS:
        raise ValidationError(_("Quyết định không hợp lệ."))
    user = _acting(
        actor=actor,
        workspace=workspace,
        action=Action.CREATE_CLAIM if decision == Decision.PROMOTE else Action.EDIT,
    )
    if not items:
        raise ValidationError(_("Hãy chọn ít nhất một mục."))
    if any(item.workspace_id != workspace.pk for item in items):
        raise ValidationError(_("Mục không thuộc nhóm này."))
    if decision == Decision.ATTACH and (claim is None or claim.workspace_id != workspace.pk):
        raise ValidationError({"claim": _("Hãy chọn một nhận định của nhóm để gắn vào.")})
    claims: list[Claim] = []
    for item in items:
        if decision == Decision.PROMOTE:
            wording = text.strip() if text.strip() and len(items) == 1 else item.text
            created = claim_services.claim_create(
                workspace=workspace,
                actor=actor,
                text=wording[: claim_services.CLAIM_TEXT_MAX],
                topic=topic or "",
            )
            _appearance_for(item, created, actor)
            _decided(item, state=ItemState.PROMOTED, actor=actor, claim=created)
            events.item_promoted(item=item, claim=created)
            claims.append(created)
        elif decision == Decision.ATTACH:
            assert claim is not None
            _appearance_for(item, claim, actor)
            _decided(item, state=ItemState.ATTACHED, actor=actor, claim=claim)
            if claim not in claims:
                claims.append(claim)
        else:
            _decided(item, state=ItemState.DISMISSED, actor=actor, claim=None)
    audit_record(
        workspace=workspace,
        actor=user,
        action=f"items.{decision}",
        obj=items[0],
        after={"items": [item.pk for item in items], "claims": [c.pk for c in claims]},
    )
    decided = Item.objects.filter(workspace=workspace).exclude(state=ItemState.NEW).count()
    if decided and decided // RETRAIN_EVERY != (decided - len(items)) // RETRAIN_EVERY:
        from kiemchung.monitoring.tasks import triage_retrain

        enqueue_on_commit(triage_retrain, workspace.pk)
    return claims


def item_matches_set(*, item: Item, matches: list[dict[str, Any]]) -> Item:
    """Store the full search's matches of an item and rank it again."""
    item.matches = matches[:MATCHES_KEPT]
    # Only a record of this very claim answers the item; one on the same subject is shown as
    # related but leaves the item's rank alone.
    item.answered = any(m["kind"] in ANSWERING_KINDS and m["decision"] == "same" for m in matches)
    item.known_claim = any(m["kind"] == "claim" and m["decision"] == "same" for m in matches)
    item.match_stage = MatchStage.DENSE
    item_rank(item)
    # Not over an item folded away meanwhile, nor over words read from its images since the
    # search began: those words were looked at again and wait for their own full search.
    Item.objects.filter(pk=item.pk, image_text=item.image_text).update(
        matches=item.matches, answered=item.answered, known_claim=item.known_claim,
        match_stage=item.match_stage, priority=item.priority, reasons=item.reasons,
        velocity=item.velocity, updated_at=timezone.now(),
    )
    return item
