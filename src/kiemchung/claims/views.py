"""Newsroom pages for claims: my work, the list, the claim page and its claim-level actions.

Evidence lives in views_evidence.py, the verdict and its review in views_verdict.py.
Every view is thin: it reads a form, calls one service inside a transaction, and redirects.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiemchung.accounts.permissions import Action, can, require
from kiemchung.claims import forms, matching, selectors, services
from kiemchung.claims.claim_page import (
    claim_button_response,
    claim_form_response,
    redirect_to_claim,
    render_claim_page,
)
from kiemchung.claims.models import Rating
from kiemchung.claims.view_helpers import (
    flash_errors,
    form_errors_from,
    get_claim,
    newsroom,
    wants_fragment,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
DUPLICATES_SHOWN = 5


@require_GET
@newsroom
def my_work(request: HttpRequest) -> HttpResponse:
    """The home page: claims assigned to me and verdicts waiting for my review."""
    work = selectors.my_work(member=request.member)  # type: ignore[attr-defined]
    return render(request, "claims/my_work.html", {"work": work})


@require_GET
@newsroom
def claim_list(request: HttpRequest) -> HttpResponse:
    """All claims of the workspace, filtered and searched; the new-claim form beside them."""
    workspace = request.workspace  # type: ignore[attr-defined]
    filters = forms.ClaimFilterForm(request.GET or None, workspace=workspace)
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        criteria = {
            "state": data["state"] or None,
            "assignee": data["assignee"],
            "topic": data["topic"] or None,
            "q": data["q"] or None,
        }
    claims = selectors.claim_list(workspace=workspace, **criteria)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "create_form": _create_form(request),
    }
    template = "claims/_claim_table.html" if wants_fragment(request) else "claims/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _create_form(request: HttpRequest, data: Any = None) -> forms.ClaimCreateForm:
    return forms.ClaimCreateForm(
        data,
        workspace=request.workspace,  # type: ignore[attr-defined]
        may_assign=can(request.member, Action.ASSIGN),  # type: ignore[attr-defined]
    )


def _duplicates(request: HttpRequest, text: str) -> list[matching.Similar]:
    """Open claims and published fact-checks that may already be this claim, and fact-checks
    of other teams that checked it (shown, never offered to merge into).

    A failing matching engine must not stop the newsroom from recording claims: the failure
    is logged and the person told that nothing was checked. A wording longer than a search
    may be is looked up by its beginning, which is where a claim's words are.
    """
    try:
        found = matching.similar_records(
            workspace=request.workspace,  # type: ignore[attr-defined]
            text=text.strip()[: matching.QUERY_MAX_CHARS],
            k=DUPLICATES_SHOWN,
            external=True,
        )
    except Exception:
        logger.exception("duplicate check failed; the claim is created unchecked")
        messages.warning(
            request, _("Không kiểm tra được nhận định trùng lúc này; nhận định vẫn được tạo.")
        )
        return []
    return [record for record in found if record.decision != "none"]


def _record_as_appearance(
    request: HttpRequest, form: forms.ClaimCreateForm, target_pk: str
) -> HttpResponse | None:
    """"Merge into #N" on the new-claim form: the wording and link become an appearance of #N.

    Returns None, with the reason on the form, when that cannot be done.
    """
    data = form.cleaned_data
    target = get_claim(request, int(target_pk)) if target_pk.isdigit() else None
    if target is None or target.state not in matching.INDEXED_CLAIM_STATES:
        form.add_error(None, _("Chỉ gộp được vào một nhận định đang mở của nhóm."))
        return None
    try:
        with transaction.atomic():
            services.appearance_add(
                claim=target,
                actor=request.user,
                url=data["appearance_url"],
                platform=data["platform"],
                text=data["text"],
            )
    except ValidationError as exc:
        form_errors_from(form, exc)
        return None
    messages.success(
        request,
        _("Đã ghi nội dung này thành một nơi xuất hiện của nhận định #%(pk)d.") % {"pk": target.pk},
    )
    return redirect_to_claim(target, "appearances")


def _create(request: HttpRequest, form: forms.ClaimCreateForm) -> HttpResponse | None:
    """Create the claim; None, with the reason on the form, when the service refuses."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            claim = services.claim_create(
                workspace=request.workspace,  # type: ignore[attr-defined]
                actor=request.user,
                text=data["text"],
                topic=data["topic"],
                tags=data["tags"],
                assignee=data.get("assignee"),
                appearance_url=data["appearance_url"],
                platform=data["platform"],
            )
    except ValidationError as exc:
        form_errors_from(form, exc)
        return None
    messages.success(request, _("Đã tạo nhận định."))
    return redirect_to_claim(claim)


@require_http_methods(["GET", "POST"])
@newsroom
def claim_create(request: HttpRequest) -> HttpResponse:
    """The new-claim form. A wording that matches an open claim or a published fact-check
    shows them first, and the person chooses: merge into one of them, or create anyway."""
    require(request.member, Action.CREATE_CLAIM)  # type: ignore[attr-defined]
    form = _create_form(request, request.POST if request.method == "POST" else None)
    form.fields["text"].widget.attrs["autofocus"] = True
    duplicates: list[matching.Similar] = []
    if request.method == "POST" and form.is_valid():
        merge_into = request.POST.get("merge_into", "")
        if merge_into:
            done = _record_as_appearance(request, form, merge_into)
        else:
            if not request.POST.get("create_anyway"):
                duplicates = _duplicates(request, form.cleaned_data["text"])
            done = None if duplicates else _create(request, form)
        if done is not None:
            return done
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"create_form": form, "duplicates": duplicates}
    return render(request, "claims/create.html", context, status=status)


@require_GET
@newsroom
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The claim page, or one named part of it for htmx (?part=evidence while archiving)."""
    return render_claim_page(request, get_claim(request, pk))


@require_POST
@newsroom
def claim_edit(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)

    def act(data: dict[str, Any]) -> None:
        services.claim_update(
            claim=claim,
            actor=request.user,
            text=data["text"],
            topic=data["topic"],
            tags=data["tags"],
        )

    return claim_form_response(
        request,
        claim,
        name="edit_form",
        form=forms.ClaimForm(request.POST),
        act=act,
        done=_("Đã lưu nhận định."),
        anchor="",
        extra={"open_edit": True},
    )


@require_POST
@newsroom
def claim_assign(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)
    form = forms.AssignForm(request.POST, workspace=request.workspace)  # type: ignore[attr-defined]

    def act(data: dict[str, Any]) -> None:
        services.claim_assign(claim=claim, actor=request.user, assignee=data["assignee"])

    return claim_form_response(
        request,
        claim,
        name="assign_form",
        form=form,
        act=act,
        done=_("Đã cập nhật người phụ trách."),
        anchor="",
    )


def _claim_move(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    """A button that moves the claim to another state (start, reopen)."""
    claim = get_claim(request, pk)
    return claim_button_response(
        request, claim, act=lambda: service(claim=claim, actor=request.user), done=done
    )


@require_POST
@newsroom
def claim_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_move(request, pk, services.claim_start, _("Đã bắt đầu kiểm chứng."))


@require_POST
@newsroom
def claim_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_move(request, pk, services.claim_reopen, _("Đã mở lại nhận định."))


@require_POST
@newsroom
def claim_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)

    def act(data: dict[str, Any]) -> None:
        services.claim_dismiss(claim=claim, actor=request.user, reason=data["reason"])

    return claim_form_response(
        request,
        claim,
        name="dismiss_form",
        form=forms.DismissForm(request.POST),
        act=act,
        done=_("Đã bỏ qua nhận định."),
        anchor="",
    )


@require_POST
@newsroom
def claim_delete(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)
    try:
        with transaction.atomic():
            services.claim_delete(claim=claim, actor=request.user)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect_to_claim(claim)
    messages.success(request, _("Đã xóa nhận định."))
    return redirect("claims:list")


@require_POST
@newsroom
def appearance_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)

    def act(data: dict[str, Any]) -> None:
        services.appearance_add(
            claim=claim,
            actor=request.user,
            url=data["url"],
            platform=data["platform"],
            seen_at=data["seen_at"],
            text=data["text"],
        )

    return claim_form_response(
        request,
        claim,
        name="appearance_form",
        form=forms.AppearanceForm(request.POST),
        act=act,
        done=_("Đã thêm nơi xuất hiện."),
        anchor="appearances",
    )


@require_POST
@newsroom
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_claim(request, pk)

    def act(data: dict[str, Any]) -> None:
        services.comment_add(claim=claim, actor=request.user, body=data["body"])

    return claim_form_response(
        request,
        claim,
        name="comment_form",
        form=forms.CommentForm(request.POST),
        act=act,
        done="",
        anchor="discussion",
    )


def _rating_initial(workspace: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": rating.pk,
            "label": rating.label,
            "description": rating.description,
            "position": index,
            "is_active": rating.is_active,
            "tone": rating.tone,
        }
        for index, rating in enumerate(
            Rating.objects.filter(workspace=workspace).order_by("position", "id"), start=1
        )
    ]


@require_http_methods(["GET", "POST"])
@newsroom
def ratings_edit(request: HttpRequest) -> HttpResponse:
    """The workspace's rating scale, most accurate first; everyone sees it, admins change it."""
    workspace = request.workspace  # type: ignore[attr-defined]
    may_edit = can(request.member, Action.MANAGE_WORKSPACE)  # type: ignore[attr-defined]
    if request.method == "POST":
        # No `initial` here: a row left as it was must still count, not be taken as unchanged.
        formset = forms.RatingFormSet(request.POST, prefix="ratings")
        if formset.is_valid():
            steps = [
                {
                    "id": step.get("id"),
                    "label": step["label"],
                    "description": step.get("description", ""),
                    "is_active": step.get("is_active", False),
                    "tone": step.get("tone") or None,
                }
                for step in formset.ordered_steps()
            ]
            try:
                with transaction.atomic():
                    services.ratings_update(workspace=workspace, actor=request.user, ratings=steps)
            except ValidationError as exc:
                for message in exc.messages:
                    formset.add_error(message)
            else:
                messages.success(request, _("Đã lưu thang kết luận."))
                return redirect("claims:ratings")
        status = 400
    else:
        formset = forms.RatingFormSet(initial=_rating_initial(workspace), prefix="ratings")
        status = 200
    return render(
        request,
        "claims/ratings.html",
        {"formset": formset, "may_edit": may_edit},
        status=status,
    )
