"""Staff correct the words read from a tip's image; the correction is what matching reads."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kiemchung.tipline.images_read import MAX_CORRECTION_CHARS, tip_image_text_correct
from kiemchung.tipline.models import TipImageText
from kiemchung.tipline.views_staff import _tip, staff, user_of, workspace_of


@staff
@require_POST
def tip_image_text(request: HttpRequest, tip_id: int, media_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    if len(text) > MAX_CORRECTION_CHARS:
        messages.error(
            request, _("Chữ sửa quá dài (tối đa %(most)d ký tự).") % {"most": MAX_CORRECTION_CHARS}
        )
    else:
        with transaction.atomic():
            tip = _tip(request, tip_id, shown=False)
            try:
                tip_image_text_correct(
                    workspace=workspace_of(request),
                    actor=user_of(request),
                    media_id=media_id,
                    text=text,
                )
            except TipImageText.DoesNotExist:
                raise Http404 from None
        messages.success(request, _("Đã lưu chữ đọc từ ảnh của tin %(code)s.")
                         % {"code": tip.tracking_code})
    return redirect(reverse("tipline_staff:tip", args=[tip_id]) + f"#image-words-{media_id}")
