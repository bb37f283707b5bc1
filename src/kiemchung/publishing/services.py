"""Writes of the public site: messages from readers (corrections, right of reply) and their
handling in the newsroom."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.accounts.selectors import member_for
from kiemchung.audit.services import audit_record
from kiemchung.claims.models import FactCheck
from kiemchung.publishing.models import ContactKind, ContactMessage

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NAME_MAX = 120
EMAIL_MAX = 254
MESSAGE_MIN = 10
MESSAGE_MAX = 5000
# Messages one client may send in the window, across all teams of this instance.
CONTACT_LIMIT = 5
CONTACT_WINDOW_SECONDS = 60 * 60
# More links than this in one message is how link spam looks, not a request for a correction.
LINKS_MAX = 5
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_SALT = "kiemchung.publishing.contact"


def contact_client_key(client_address: str) -> str:
    """The rate-limit counter of one client; only a keyed hash of its address reaches the
    cache, so the address itself is kept nowhere."""
    return "contact-sent:" + salted_hmac(_SALT, client_address).hexdigest()


def contact_is_limited(*, client_key: str) -> bool:
    """Whether this client already sent CONTACT_LIMIT messages in the window."""
    return int(cache.get(client_key, 0)) >= CONTACT_LIMIT


def _count_sent(client_key: str) -> None:
    cache.add(client_key, 0, timeout=CONTACT_WINDOW_SECONDS)
    try:
        cache.incr(client_key)
    except ValueError:  # expired between add and incr
        cache.set(client_key, 1, timeout=CONTACT_WINDOW_SECONDS)


def contact_message_create(
    *,
    workspace: Workspace,
    kind: str,
    name: str,
    email: str,
    message: str,
    factcheck: FactCheck | None = None,
    client_key: str,
) -> ContactMessage:
    """Store a reader's message for the newsroom; ValidationError (in Vietnamese) if it is
    refused, in which case nothing is stored."""
    if contact_is_limited(client_key=client_key):
        raise ValidationError(
            _(
                "Bạn đã gửi %(count)d tin nhắn trong một giờ qua. Hãy thử lại sau, hoặc viết "
                "e-mail cho nhóm."
            )
            % {"count": CONTACT_LIMIT},
            code="rate_limited",
        )
    if kind not in ContactKind.values:
        raise ValidationError({"kind": _("Hãy chọn loại yêu cầu.")})
    clean = {"name": " ".join(name.split()), "email": email.strip(), "message": message.strip()}
    errors: dict[str, str] = {}
    if not clean["name"]:
        errors["name"] = _("Hãy cho biết tên của bạn.")
    elif len(clean["name"]) > NAME_MAX:
        errors["name"] = _("Tên dài quá %(max)d ký tự.") % {"max": NAME_MAX}
    try:
        validate_email(clean["email"])
    except ValidationError:
        errors["email"] = _("Hãy nhập một địa chỉ e-mail đúng để nhóm trả lời bạn.")
    if len(clean["email"]) > EMAIL_MAX:
        errors["email"] = _("Địa chỉ e-mail dài quá %(max)d ký tự.") % {"max": EMAIL_MAX}
    if len(clean["message"]) < MESSAGE_MIN:
        errors["message"] = _("Nội dung quá ngắn: hãy viết ít nhất %(min)d ký tự.") % {
            "min": MESSAGE_MIN
        }
    elif len(clean["message"]) > MESSAGE_MAX:
        errors["message"] = _("Nội dung dài quá %(max)d ký tự (bạn đã viết %(count)d).") % {
            "max": MESSAGE_MAX,
            "count": len(clean["message"]),
        }
    elif len(_LINK.findall(clean["message"])) > LINKS_MAX:
        errors["message"] = _(
            "Tin nhắn có quá nhiều đường dẫn (tối đa %(max)d). Hãy giữ lại những đường dẫn "
            "cần thiết nhất."
        ) % {"max": LINKS_MAX}
    if factcheck is not None and (
        factcheck.claim.workspace_id != workspace.pk or not factcheck.is_published
    ):
        errors["factcheck"] = _("Bài kiểm chứng này không thuộc nhóm hoặc chưa được công bố.")
    if errors:
        raise ValidationError(errors)
    contact = ContactMessage.objects.create(
        workspace=workspace, kind=kind, factcheck=factcheck, **clean
    )
    _count_sent(client_key)
    audit_record(
        workspace=workspace,
        actor=None,
        action="contact.receive",
        obj=contact,
        after={"kind": kind, "factcheck": factcheck.pk if factcheck is not None else None},
    )
    return contact


def contact_message_handle(
    *, message: ContactMessage, actor: User, handled: bool = True
) -> ContactMessage:
    """Mark a reader's message handled (or back to open) by an editor or admin."""
    require(member_for(user=actor, workspace=message.workspace), Action.CORRECT)
    before = {"handled": message.handled_at is not None}
    if handled and message.handled_at is None:
        message.handled_at = timezone.now()
        message.handled_by = actor
    elif not handled and message.handled_at is not None:
        message.handled_at = None
        message.handled_by = None
    else:
        return message
    message.save(update_fields=["handled_at", "handled_by", "updated_at"])
    audit_record(
        workspace=message.workspace,
        actor=actor,
        action="contact.handle" if handled else "contact.reopen",
        obj=message,
        before=before,
        after={"handled": handled},
    )
    return message
