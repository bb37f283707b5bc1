"""Staff pages of a conversation: read it (audited), take over from the bot, reply, hand back."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kiemchung.tipline import selectors, services_staff
from kiemchung.tipline.models import Conversation
from kiemchung.tipline.views_staff import staff


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Trả lời"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_for_staff(
        workspace=request.workspace,  # type: ignore[attr-defined]
        user=request.user,
        conversation_id=conversation_id,
    )
    if conversation is None:
        raise Http404
    return conversation


def _conversation_page(
    request: HttpRequest, found: Conversation, form: ReplyForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "conversation": found,
        "lines": selectors.conversation_messages(conversation=found),
        "tips": found.tips.all(),
        "form": form,
    }
    return render(request, "tipline/conversation.html", context, status=status)


@staff
@require_GET
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _conversation_page(request, _conversation(request, conversation_id), ReplyForm())


@staff
@require_POST
def take_over(request: HttpRequest, conversation_id: int) -> HttpResponse:
    with transaction.atomic():
        found = _conversation(request, conversation_id)
        services_staff.conversation_take_over(conversation=found, actor=request.user)
    messages.success(request, _("Bạn đang trò chuyện trực tiếp; bot sẽ im lặng."))
    return redirect("tipline:conversation", conversation_id=found.pk)


@staff
@require_POST
def release(request: HttpRequest, conversation_id: int) -> HttpResponse:
    with transaction.atomic():
        found = _conversation(request, conversation_id)
        services_staff.conversation_release(conversation=found, actor=request.user)
    messages.success(request, _("Đã trả cuộc trò chuyện cho bot."))
    return redirect("tipline:conversation", conversation_id=found.pk)


@staff
@require_POST
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    form = ReplyForm(request.POST)
    with transaction.atomic():
        found = _conversation(request, conversation_id)
        if not form.is_valid():
            return _conversation_page(request, found, form, status=400)
        services_staff.staff_reply(
            conversation=found, actor=request.user, text=form.cleaned_data["text"]
        )
    messages.success(request, _("Đã xếp tin trả lời vào hàng gửi."))
    return redirect("tipline:conversation", conversation_id=found.pk)
