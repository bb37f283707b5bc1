"""The staff inbox of the tipline: the queue by category with the start of each tip, a tip
(audited) with its matches and suggested answers, attaching to claims through the claim
picker, replies (answers or holding replies) from templates, forwarding, closing. The pages
for reply templates, the legal knowledge base and authority units are views_staff_settings."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action, can
from kiemchung.claims.models import Claim, ClaimState
from kiemchung.tipline import inbox_selectors as selectors
from kiemchung.tipline import services_staff
from kiemchung.tipline.answers import TipMatches, tip_matches
from kiemchung.tipline.forms_staff import (
    AttachForm,
    ClaimFromTipForm,
    ForwardForm,
    ReplyForm,
)
from kiemchung.tipline.legal import legal_suggestions
from kiemchung.tipline.models import ReplyKind, Tip, TipCategory

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 30


def staff(view: View) -> View:
    """Login and a workspace required; the services check the role."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request, "workspace", None) is None:
            raise PermissionDenied(_("Tài khoản của bạn chưa thuộc nhóm nào."))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def workspace_of(request: HttpRequest) -> Workspace:
    return request.workspace  # type: ignore[attr-defined]


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required lets only signed-in people through
    return user


def _is_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def errors_to(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# The queue


@staff
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    workspace = workspace_of(request)
    category = request.GET.get("category", "")
    if category not in TipCategory.values:
        category = ""
    show = request.GET.get("show", "open")
    if show not in selectors.SHOWS:
        show = "open"
    query = request.GET.get("q", "").strip()[:200]
    found = selectors.inbox_tips(
        workspace=workspace, user=user_of(request), category=category, show=show, query=query
    )
    page = Paginator(found.tips, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.open_counts(workspace=workspace)
    context = {
        "page": page,
        "rows": selectors.inbox_rows(page.object_list),
        "category": category,
        "show": show,
        "q": query,
        "searched": found.searched,
        "search_limited": found.search_limited,
        "categories": [
            (value, label, counts[value]) for value, label in TipCategory.choices
        ],
        "shows": [
            ("open", _("Đang chờ")),
            ("answered", _("Đã trả lời")),
            ("forwarded", _("Đã chuyển")),
            ("closed", _("Đã đóng")),
            ("auto", _("Trả lời tự động")),
            ("all", _("Tất cả")),
        ],
        "auto_counts": selectors.auto_answer_counts(workspace=workspace)
        if show == "auto" else None,
    }
    fragment = _is_fragment(request)
    template = "tipline/staff/_tip_list.html" if fragment else "tipline/staff/inbox.html"
    return render(request, template, context)


@staff
@require_GET
def new_badge(request: HttpRequest) -> HttpResponse:
    """The nav's count of new tips (polled): a number, nothing about any tip."""
    allowed = can(getattr(request, "member", None), Action.HANDLE_TIPS)
    count = selectors.new_count(workspace=workspace_of(request)) if allowed else 0
    return render(request, "tipline/staff/_badge.html", {"new_tips": count})


# One tip


def _tip(request: HttpRequest, tip_id: int, *, shown: bool = True) -> Tip:
    """The tip, 404 unless it is the workspace's; shown on a page, its reading is audited."""
    read = selectors.tip_for_staff if shown else selectors.tip_to_act_on
    tip = read(workspace=workspace_of(request), user=user_of(request), tip_id=tip_id)
    if tip is None:
        raise Http404
    return tip


def _claim_query(request: HttpRequest) -> str:
    """What was typed in the claim picker's search (on the page, or kept with a failed post)."""
    return (request.GET.get("q") or request.POST.get("q") or "").strip()[:200]


def _claim_results(
    request: HttpRequest, tip: Tip, suggested: Collection[int]
) -> dict[str, Any]:
    """The picker's search results: claims other than the tip's own and those suggested."""
    query = _claim_query(request)
    leave_out = {*suggested, *([tip.claim_id] if tip.claim_id else [])}
    return {
        "claim_q": query,
        "claim_results": selectors.claims_to_attach(
            workspace=workspace_of(request), query=query, leave_out=leave_out
        ),
    }


def _suggested_claims(tip: Tip, matches: TipMatches | None) -> list[Claim]:
    """The claims the matcher found for the tip, best first, once each, for the picker."""
    claims: dict[int, Claim] = {}
    for result in matches.suggestions if matches is not None else []:
        claim = result.claim
        attachable = claim.state != ClaimState.DISMISSED and claim.merged_into_id is None
        if attachable and claim.pk != tip.claim_id:
            claims.setdefault(claim.pk, claim)
    return list(claims.values())


def _tip_page(
    request: HttpRequest, tip: Tip, *, status: int = 200, **forms_given: Any
) -> HttpResponse:
    workspace = workspace_of(request)
    reply_initial = {"text": "", "kind": ReplyKind.ANSWER}
    template_id = request.GET.get("template", "")
    templates = selectors.reply_templates(workspace=workspace, category=tip.category)
    if template_id.isdigit():
        chosen = templates.filter(pk=int(template_id)).first()
        if chosen is not None:
            reply_initial = {"text": chosen.text, "kind": chosen.kind}
    matches = tip_matches(tip=tip) if tip.category == TipCategory.CHECK else None
    suggested = _suggested_claims(tip, matches)
    legal = (
        legal_suggestions(workspace=workspace, question=tip.text)
        if tip.category == TipCategory.LEGAL
        else []
    )
    legal_id = request.GET.get("legal", "")
    if legal_id.isdigit():
        picked = next((s for s in legal if s.answer.pk == int(legal_id)), None)
        if picked is not None:
            reply_initial = {"text": picked.reply_text, "kind": ReplyKind.ANSWER}
    link = services_staff.first_link(tip.text)
    context = {
        "tip": tip,
        "sender": tip.conversation.sender,
        "lines": selectors.tip_lines(tip=tip),
        "media": list(tip.media.all()),
        "matches": matches,
        "legal": legal,
        "templates": templates,
        "units": selectors.authority_units(workspace=workspace, active_only=True),
        "suggested_claims": suggested,
        **_claim_results(request, tip, [claim.pk for claim in suggested]),
        "reply_form": forms_given.get("reply_form") or ReplyForm(initial=reply_initial),
        "attach_form": forms_given.get("attach_form") or AttachForm(initial={"url": link}),
        "claim_form": forms_given.get("claim_form") or ClaimFromTipForm(initial={"url": link}),
        "forward_form": forms_given.get("forward_form") or ForwardForm(),
        "is_open": tip.state in selectors.OPEN_STATES,
    }
    return render(request, "tipline/staff/tip.html", context, status=status)


@staff
@require_GET
def tip_detail(request: HttpRequest, tip_id: int) -> HttpResponse:
    """The tip's page; asked by htmx for the claim picker's results, those alone (they name
    claims only, nothing of the tip, so that is not a reading of it)."""
    if _is_fragment(request) and request.htmx.target == "claim-results":  # type: ignore[attr-defined]
        with transaction.atomic():
            tip = _tip(request, tip_id, shown=False)
        given = request.GET.getlist("suggested")[:20]
        suggested = [int(pk) for pk in given if pk.isdigit()]
        context = {"tip": tip, **_claim_results(request, tip, suggested)}
        return render(request, "tipline/staff/_claim_results.html", context)
    with transaction.atomic():
        tip = _tip(request, tip_id)
    return _tip_page(request, tip)


@staff
@require_GET
def tip_media(request: HttpRequest, tip_id: int, media_id: int) -> FileResponse:
    with transaction.atomic():
        media = selectors.tip_media_for_staff(
            workspace=workspace_of(request), user=user_of(request), tip_id=tip_id, media_id=media_id
        )
    if media is None:
        raise Http404
    response = FileResponse(media.file.open("rb"), content_type=media.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="anh-{media.pk}.{media.extension}"'
    return response


def _post_action(
    request: HttpRequest,
    tip_id: int,
    form_class: type[forms.Form],
    form_key: str,
    act: Callable[[Tip, dict[str, Any]], str],
) -> HttpResponse:
    """Validate the form, run the service in one transaction, back to the tip's page."""
    form = form_class(request.POST)
    with transaction.atomic():
        tip = _tip(request, tip_id, shown=False)
        if form.is_valid():
            try:
                with transaction.atomic():
                    done = act(tip, form.cleaned_data)
            except ValidationError as exc:
                errors_to(form, exc)
            else:
                messages.success(request, done)
                return redirect("tipline_staff:tip", tip_id=tip.pk)
    # The page comes back with the tip on it: a reading like any other.
    with transaction.atomic():
        tip = _tip(request, tip_id)
    return _tip_page(request, tip, status=400, **{form_key: form})


@staff
@require_POST
def tip_attach(request: HttpRequest, tip_id: int) -> HttpResponse:
    def act(tip: Tip, data: dict[str, Any]) -> str:
        claim = selectors.claim_of_workspace(workspace=workspace_of(request), pk=data["claim"])
        if claim is None:
            raise ValidationError(
                {"claim": _("Không tìm thấy nhận định số %(pk)d.") % {"pk": data["claim"]}}
            )
        services_staff.tip_attach(
            tip=tip, claim=claim, actor=user_of(request), url=data["url"], note=data["note"]
        )
        return _("Đã gắn tin vào nhận định #%(pk)d.") % {"pk": claim.pk}

    return _post_action(request, tip_id, AttachForm, "attach_form", act)


@staff
@require_POST
def tip_claim_create(request: HttpRequest, tip_id: int) -> HttpResponse:
    def act(tip: Tip, data: dict[str, Any]) -> str:
        claim = services_staff.tip_claim_create(
            tip=tip,
            actor=user_of(request),
            text=data["text"],
            topic=data["topic"],
            url=data["url"],
        )
        return _("Đã tạo nhận định #%(pk)d từ tin này.") % {"pk": claim.pk}

    return _post_action(request, tip_id, ClaimFromTipForm, "claim_form", act)


@staff
@require_POST
def tip_reply(request: HttpRequest, tip_id: int) -> HttpResponse:
    def act(tip: Tip, data: dict[str, Any]) -> str:
        services_staff.tip_reply(
            tip=tip, actor=user_of(request), text=data["text"], kind=data["kind"]
        )
        if data["kind"] == ReplyKind.HOLDING:
            return _("Đã báo người gửi rằng nhóm đang xử lý; tin vẫn chờ câu trả lời.")
        return _("Đã gửi câu trả lời.")

    return _post_action(request, tip_id, ReplyForm, "reply_form", act)


@staff
@require_POST
def tip_forward(request: HttpRequest, tip_id: int) -> HttpResponse:
    from kiemchung.tipline.forwarding import tip_forward as forward

    def act(tip: Tip, data: dict[str, Any]) -> str:
        unit = selectors.authority_units(workspace=workspace_of(request), active_only=True).filter(
            pk=data["unit"]
        ).first()
        if unit is None:
            raise ValidationError({"unit": _("Hãy chọn một cơ quan đang dùng của nhóm.")})
        forward(tip=tip, unit=unit, actor=user_of(request))
        return _("Đã chuyển báo cáo; số tham chiếu %(reference)s.") % {
            "reference": tip.forward_reference
        }

    return _post_action(request, tip_id, ForwardForm, "forward_form", act)


@staff
@require_POST
def tip_close(request: HttpRequest, tip_id: int) -> HttpResponse:
    with transaction.atomic():
        tip = _tip(request, tip_id, shown=False)
        services_staff.tip_close(tip=tip, actor=user_of(request))
    messages.success(request, _("Đã đóng tin %(code)s.") % {"code": tip.tracking_code})
    return redirect("tipline_staff:inbox")


@staff
@require_POST
def tip_auto_answer(request: HttpRequest, tip_id: int) -> HttpResponse:
    """Approve (send) or reject the automatic answer that waits for review."""
    approve = request.POST.get("send") == "1"
    try:
        with transaction.atomic():
            tip = _tip(request, tip_id, shown=False)
            tip = Tip.objects.select_for_update().select_related(
                "workspace", "conversation__channel", "auto_factcheck__claim"
            ).get(pk=tip.pk)
            services_staff.tip_auto_answer_review(tip=tip, actor=user_of(request), approve=approve)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Đã gửi câu trả lời tự động.") if approve else _("Đã quyết định không gửi.")
        )
    return redirect("tipline_staff:tip", tip_id=tip_id)


@staff
@require_POST
def tip_reopen(request: HttpRequest, tip_id: int) -> HttpResponse:
    with transaction.atomic():
        tip = _tip(request, tip_id, shown=False)
        services_staff.tip_reopen(tip=tip, actor=user_of(request))
    messages.success(request, _("Đã mở lại tin %(code)s.") % {"code": tip.tracking_code})
    return redirect("tipline_staff:tip", tip_id=tip.pk)


@staff
@require_POST
def tip_sender_block(request: HttpRequest, tip_id: int) -> HttpResponse:
    with transaction.atomic():
        tip = _tip(request, tip_id, shown=False)
        sender = services_staff.sender_block(sender=tip.conversation.sender, actor=user_of(request))
    messages.success(
        request,
        _("Đã chặn %(sender)s: tin nhắn mới của người này sẽ bị bỏ qua.")
        % {"sender": sender.label},
    )
    return redirect("tipline_staff:tip", tip_id=tip.pk)


@staff
@require_POST
def tip_sender_unblock(request: HttpRequest, tip_id: int) -> HttpResponse:
    with transaction.atomic():
        tip = _tip(request, tip_id, shown=False)
        sender = services_staff.sender_unblock(
            sender=tip.conversation.sender, actor=user_of(request)
        )
    messages.success(request, _("Đã bỏ chặn %(sender)s.") % {"sender": sender.label})
    return redirect("tipline_staff:tip", tip_id=tip.pk)
