"""The public web form: tips arrive by form post, and there is no address to reply to."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.translation import gettext as _

from kiemchung.core.http import FetchError, fetch
from kiemchung.tipline.channels.base import ChannelAdapter, ChannelCheck, ChannelError, tls_context


class WebAdapter(ChannelAdapter):
    kind = "web"
    max_text = 4000

    def send(
        self,
        *,
        address: str,
        text: str,
        buttons: list[list[str]],
        last_inbound_at: datetime | None,
    ) -> str:
        raise ChannelError(
            _(
                "Người gửi qua biểu mẫu web không để lại địa chỉ nhận trả lời; "
                "họ xem tiến độ bằng mã theo dõi."
            ),
            retryable=False,
        )

    def check(self, *, address: str) -> ChannelCheck:
        """Open the public form at its address, the site's own URL, as a tipster would."""
        if not self.channel.is_active:
            raise ChannelError(
                _("Biểu mẫu đang tắt: trang công khai không dẫn tới nó và địa chỉ của nó trả lỗi."),
                retryable=False,
            )
        try:
            result = fetch(
                address, max_bytes=1024 * 1024, raise_for_status=False, ssl_context=tls_context()
            )
        except FetchError as exc:
            message = _("Không mở được biểu mẫu tại %(url)s: %(error)s.") % {
                "url": address,
                "error": exc.message,
            }
            if exc.reason == "private_address":
                message += " " + _(
                    "Địa chỉ của trang (KIEMCHUNG_SITE_URL) là một địa chỉ nội bộ: người ngoài "
                    "không mở được."
                )
            raise ChannelError(message, retryable=exc.retryable) from None
        if result.status_code != 200:
            raise ChannelError(
                _("Biểu mẫu tại %(url)s trả lỗi %(status)d.")
                % {"url": address, "status": result.status_code},
                retryable=result.status_code >= 500,
            )
        if f'action="{escape(urlsplit(address).path)}"' not in result.text:
            raise ChannelError(
                _(
                    "%(url)s trả lời, nhưng không phải biểu mẫu gửi tin của nhóm: xem lại "
                    "KIEMCHUNG_SITE_URL."
                )
                % {"url": address},
                retryable=False,
            )
        return ChannelCheck(
            ok=True, summary=_("Biểu mẫu mở được tại %(url)s.") % {"url": address}
        )
