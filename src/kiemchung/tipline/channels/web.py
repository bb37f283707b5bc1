"""The public web form: tips arrive by form post, and there is no address to reply to."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from kiemchung.tipline.channels.base import ChannelAdapter, ChannelError


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
