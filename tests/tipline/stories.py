"""Scenes the tipline's tests (and the permission tables) start from."""

from __future__ import annotations

from typing import Any

from kiemchung.tipline import services
from kiemchung.tipline.models import Channel, ChannelKind, Tip

TIP_TEXT = "Tin đồn: từ tháng sau xe máy cũ hơn 10 năm bị cấm lưu thông ở Hà Nội"


def web_channel(team: Any) -> Channel:
    channel = Channel.objects.filter(workspace=team.workspace, kind=ChannelKind.WEB).first()
    return channel or Channel.objects.create(
        workspace=team.workspace, kind=ChannelKind.WEB, name="Biểu mẫu"
    )


def tip_received(team: Any, text: str = TIP_TEXT, category: str = "check") -> Tip:
    """A tip sent through the team's web form."""
    return services.web_tip_submit(
        channel=web_channel(team), category=category, text=text, images=[]
    )
