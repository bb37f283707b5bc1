"""What makes the demo workspace feel like a newsroom on its first day: sources cited by its
fact-checks, a watched source whose posts fill the triage queue, the web tipline on and a few
tips in the inbox. Every text here was written for the demo; the cited addresses are the real
public portals of the bodies named, archived by the worker like any source (unless offline)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from kiemchung.accounts.models import Workspace

# Web sources per published fact-check, by the start of its claim.
DEMO_SOURCES: dict[str, list[tuple[str, str]]] = {
    "Ăn tỏi sống": [
        (
            "https://www.who.int/news-room/fact-sheets/detail/"
            "influenza-(avian-and-other-zoonotic)",
            "Tổ chức Y tế Thế giới: cúm gia cầm và cúm lây từ động vật",
        ),
        ("https://moh.gov.vn/", "Cổng thông tin điện tử Bộ Y tế"),
    ],
    "Cuộc gọi báo trúng thưởng": [
        ("https://bocongan.gov.vn/", "Cổng thông tin điện tử Bộ Công an"),
        ("https://www.sbv.gov.vn/", "Ngân hàng Nhà nước Việt Nam"),
    ],
}

# Posts of the watched source, as a collector would have gathered them over the last day:
# (hours ago, platform, text, reactions, comments, shares).
DEMO_POSTS: list[tuple[int, str, str, int, int, int]] = [
    (2, "facebook", "Nóng: từ tháng sau xe máy trên 10 năm tuổi bị cấm vào nội thành, ai chưa "
     "biết thì share ngay kẻo bị phạt!!!", 1840, 512, 2210),
    (3, "facebook", "Sáng nào cũng uống cốc nước chanh ấm là khỏi ung thư, bác sĩ bệnh viện "
     "lớn xác nhận rồi nhé cả nhà 🙏", 960, 230, 1400),
    (5, "zalo", "Có ai nhận được cuộc gọi báo trúng thưởng xe SH của ngân hàng không? Họ bảo "
     "chuyển 2 triệu phí nhận thưởng là giao xe tận nhà.", 120, 88, 45),
    (6, "facebook", "Ăn tỏi sống mỗi ngày là không lo cúm gia cầm, mùa dịch nhà mình ăn suốt.",
     310, 64, 190),
    (8, "tiktok", "Clip: nước biển dâng ngập cả phố đi bộ Nguyễn Huệ sáng nay, đường phố như "
     "sông.", 5200, 870, 3100),
    (9, "facebook", "Bộ Giáo dục bỏ kỳ thi tốt nghiệp THPT từ năm 2027, học sinh chỉ cần xét "
     "học bạ.", 2750, 1300, 2900),
    (12, "facebook", "Giá xăng sẽ tăng lên 40 nghìn đồng một lít từ thứ Hai tới, đổ đầy bình "
     "ngay hôm nay.", 1500, 640, 1800),
    (14, "youtube", "Uống baking soda pha nước ấm giúp chữa gout tận gốc chỉ sau 7 ngày.",
     430, 95, 260),
    (18, "facebook", "Chúc mọi người cuối tuần vui vẻ, trời Hà Nội hôm nay mát quá.", 80, 12, 2),
    (20, "zalo", "Tin nhắn tự xưng điện lực báo cắt điện nếu không bấm vào đường link thanh toán "
     "tiền điện trong hôm nay.", 220, 140, 380),
]

# Tips sent on the web form: (category, text).
DEMO_TIPS: list[tuple[str, str]] = [
    ("check", "Nghe nói ăn tỏi sống mỗi ngày thì phòng được cúm A/H5N1, có đúng không ạ?"),
    ("check", "Trong nhóm Zalo phụ huynh đang truyền tin Bộ Giáo dục bỏ thi tốt nghiệp THPT từ "
     "năm 2027. Nhờ nhóm kiểm tra giúp."),
    ("violation", "Một trang bán hàng đăng ảnh giả mạo logo Bộ Y tế để quảng cáo thuốc chữa ung "
     "thư."),
    ("legal", "Chia sẻ lại một tin sai trên Facebook thì có bị xử phạt không?"),
]


def sources_cite(*, claim: Any, actor: Any, offline: bool) -> int:
    """Cite the demo's web sources of this claim, if it has any; returns how many.

    Offline, the sources are recorded without being fetched (marked as not archived, with the
    reason), so seeding never reaches the internet; staff can archive them again later.
    """
    from kiemchung.claims import services as claims
    from kiemchung.claims.models import ArchiveStatus, Evidence

    count = 0
    for start, sources in DEMO_SOURCES.items():
        if not claim.text.startswith(start):
            continue
        for url, title in sources:
            evidence = claims.evidence_add(
                claim=claim, actor=actor, kind="url", url=url, title=title
            )
            if offline:
                Evidence.objects.filter(pk=evidence.pk).update(
                    archive_status=ArchiveStatus.FAILED,
                    archive_error="Chưa lưu trữ: nhóm demo được tạo ở chế độ không mạng.",
                )
            count += 1
    return count


def posts_watch(*, workspace: Workspace) -> int:
    """A watched source with a day of public posts, scored and matched like any other: the
    triage queue has work in it from the start. Returns how many posts were taken in."""
    from kiemchung.monitoring.ingest import Post, enqueue_match, items_ingest
    from kiemchung.monitoring.services import source_for_kind

    source = source_for_kind(
        workspace=workspace, kind="import", name="Bài đăng mạng xã hội (dữ liệu demo)"
    )
    now = timezone.now()
    posts = [
        Post(
            text=text, platform=platform, published_at=now - timedelta(hours=hours),
            reactions=reactions, comments=comments, shares=shares, key=f"demo-post-{n}",
        )
        for n, (hours, platform, text, reactions, comments, shares) in enumerate(DEMO_POSTS)
    ]
    report = items_ingest(source=source, posts=posts, now=now)
    if report.new_items:
        enqueue_match(workspace.pk)
    return len(report.items)


def tipline_open(*, workspace: Workspace) -> int:
    """The web tipline on, and a few tips in the inbox (one the tipline can answer from a
    published fact-check). Returns how many tips were sent."""
    from kiemchung.tipline.models import ChannelKind
    from kiemchung.tipline.services import web_tip_submit
    from kiemchung.tipline.services_channels import channel_save

    channel = channel_save(workspace=workspace, actor=None, kind=ChannelKind.WEB).channel
    for category, text in DEMO_TIPS:
        web_tip_submit(channel=channel, category=category, text=text, images=[])
    return len(DEMO_TIPS)
