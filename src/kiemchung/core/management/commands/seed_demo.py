from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.urls import reverse

from kiemchung.accounts.models import Workspace

DEMO_SLUG = "demo"

# Claims written for the demo, one or more in every state.
DEMO_CLAIMS: list[dict[str, Any]] = [
    {
        "text": "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư giai đoạn cuối.",
        "topic": "sức khỏe",
        "state": "open",
        # The post as it was shared: searching its words finds the claim ("known wordings").
        "appearance": "Mọi người ơi, sáng nào cũng uống một cốc nước chanh ấm là khỏi ung thư, "
        "bác sĩ bảo đấy!!! Share gấp cho người thân nhé 🙏",
    },
    {
        "text": "Từ ngày 1/1/2027, xe máy đã dùng quá 10 năm sẽ bị cấm lưu thông trong nội thành.",
        "topic": "giao thông",
        "state": "in_progress",
        "note": "Cần đối chiếu với văn bản quy phạm pháp luật và thông cáo của cơ quan quản lý.",
    },
    {
        "text": "Năm 2025, cả nước có hơn 100 nghìn doanh nghiệp thành lập mới.",
        "topic": "kinh tế",
        "state": "in_review",
        "rating": 2,
        "title": "Số doanh nghiệp thành lập mới năm 2025: gần đúng",
        "summary": "Con số cần được đối chiếu với báo cáo chính thức của cơ quan thống kê; "
        "nhận định đúng về xu hướng nhưng làm tròn số liệu.",
    },
    {
        "text": "Ăn tỏi sống mỗi ngày giúp phòng được cúm A/H5N1.",
        "topic": "sức khỏe",
        "state": "published",
        "rating": 4,
        "title": "Ăn tỏi sống không phòng được cúm A/H5N1",
        "summary": "Không có bằng chứng khoa học cho thấy tỏi phòng được cúm A/H5N1. "
        "Biện pháp phòng bệnh là tránh tiếp xúc với gia cầm bệnh và giữ vệ sinh.",
        "body": "Nhận định \"Ăn tỏi sống mỗi ngày giúp phòng được cúm A/H5N1\" lan truyền "
        "nhiều lần mỗi mùa dịch.\n\n## Bằng chứng\n\n- Các khuyến cáo y tế về cúm A/H5N1 "
        "không nhắc đến tỏi như một biện pháp phòng bệnh.\n- Tỏi có một số hoạt chất được "
        "nghiên cứu trong phòng thí nghiệm, nhưng chưa có thử nghiệm nào trên người cho "
        "thấy tác dụng phòng cúm.\n\n## Kết luận\n\n**Sai.** Hãy làm theo khuyến cáo của "
        "cơ quan y tế.",
    },
    {
        "text": "Cuộc gọi báo trúng thưởng xe máy từ tổng đài tự xưng của ngân hàng là "
        "chương trình khuyến mại thật.",
        "topic": "lừa đảo",
        "state": "published",
        "rating": 4,
        "title": "Cuộc gọi báo trúng thưởng xe máy là chiêu lừa đảo",
        "summary": "Ngân hàng không thông báo trúng thưởng qua cuộc gọi yêu cầu chuyển "
        "\"phí nhận thưởng\". Đây là kịch bản lừa đảo quen thuộc.",
        "body": "Nhận định \"Cuộc gọi báo trúng thưởng xe máy từ tổng đài tự xưng của ngân "
        "hàng là chương trình khuyến mại thật\" là **sai**.\n\nKẻ gian yêu cầu nạn nhân "
        "chuyển tiền \"phí nhận thưởng\" hoặc cung cấp mã OTP. Không chuyển tiền, không "
        "đọc mã OTP cho bất kỳ ai.",
    },
    {
        "text": "Hôm nay trời đẹp quá, mọi người ra công viên chơi cho vui nhé!",
        "topic": "",
        "state": "dismissed",
        "reason": "Lời rủ rê, không phải nhận định có thể kiểm chứng.",
    },
]


class Command(BaseCommand):
    help = (
        "Create the demo workspace, its members and claims in every state; print its public "
        "site, tipline and newsroom addresses and its logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet", action="store_true", help="Print only the login line, nothing else."
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="Record the fact-checks' web sources without fetching them (no internet).",
        )

    def handle(
        self, *args: Any, quiet: bool = False, offline: bool = False, **options: Any
    ) -> None:
        login_file = settings.VAR_DIR / "demo-login.txt"
        if Workspace.objects.filter(slug=DEMO_SLUG).exists() and login_file.exists():
            self._print_login(login_file.read_text(encoding="utf-8").strip())
            return
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            self._seed(password, offline=offline)
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        login_file.write_text(password, encoding="utf-8")
        login_file.chmod(0o600)
        self._print_login(password)

    def _print_login(self, password: str) -> None:
        """The three addresses people start from, then the demo's logins."""
        from kiemchung.tipline.selectors import web_channel

        # A server listening on every interface is reached on this machine at 127.0.0.1.
        everywhere = ("", "0.0.0.0", "::")  # noqa: S104
        host = "127.0.0.1" if settings.HOST in everywhere else settings.HOST
        base = f"http://{host}:{settings.PORT}"
        team = {"workspace_slug": DEMO_SLUG}
        public = base + reverse("publishing:workspace_index", kwargs=team)
        tipline = base + reverse("tipline:form", kwargs=team)
        if web_channel(workspace_slug=DEMO_SLUG) is None:
            tipline += (
                f"  (off / đang tắt: kiemchung tipline_channel --workspace {DEMO_SLUG} --kind web)"
            )
        newsroom = base + reverse("accounts:login")
        self.stdout.write(self.style.SUCCESS("Demo workspace ready / Nhóm demo đã sẵn sàng"))
        self.stdout.write(f"  Public site / Trang công khai:  {public}")
        self.stdout.write(f"  Tipline / Gửi tin cho nhóm:     {tipline}")
        self.stdout.write(f"  Newsroom / Phòng biên tập:      {newsroom}")
        self.stdout.write(f"  admin: demo-admin / {password}")
        self.stdout.write(f"  editor: demo-bientap / {password}")
        self.stdout.write(f"  checker: demo-kiemchung / {password}")

    def _seed(self, password: str, *, offline: bool) -> None:
        from kiemchung.accounts.services import member_add, workspace_create
        from kiemchung.claims import services as claims
        from kiemchung.claims.models import Rating
        from kiemchung.core import demo

        User = get_user_model()
        workspace = Workspace.objects.filter(slug=DEMO_SLUG).first()
        if workspace is None:
            workspace = workspace_create(
                name="Nhóm Kiểm Chứng Demo",
                slug=DEMO_SLUG,
                admin_username="demo-admin",
                admin_email="demo-admin@example.org",
                admin_password=password,
            )
        else:
            for user in User.objects.filter(username__startswith="demo-"):
                user.set_password(password)
                user.save(update_fields=["password"])
            return
        workspace.description = "Nhóm trình diễn: mọi nội dung ở đây được viết để minh họa."
        workspace.corrections_email = "dinhchinh@example.org"
        workspace.save()
        admin = User.objects.get(username="demo-admin")
        editor = member_add(
            workspace=workspace, actor=admin, username="demo-bientap",
            email="demo-bientap@example.org", role="editor", password=password,
        ).user
        checker = member_add(
            workspace=workspace, actor=admin, username="demo-kiemchung",
            email="demo-kiemchung@example.org", role="checker", password=password,
        ).user
        ratings = {r.position: r for r in Rating.objects.filter(workspace=workspace)}

        for spec in DEMO_CLAIMS:
            claim = claims.claim_create(
                workspace=workspace, actor=checker, text=spec["text"], topic=spec["topic"]
            )
            if spec.get("appearance"):
                claims.appearance_add(
                    claim=claim, actor=checker, platform="facebook", text=spec["appearance"]
                )
            state = spec["state"]
            if state == "dismissed":
                claims.claim_dismiss(claim=claim, actor=editor, reason=spec["reason"])
                continue
            if state == "open":
                continue
            claims.claim_start(claim=claim, actor=checker)
            claims.evidence_add(
                claim=claim,
                actor=checker,
                kind="note",
                title="Ghi chú của người kiểm chứng",
                note=spec.get("note", "Đã đối chiếu với nguồn chính thức."),
            )
            demo.sources_cite(claim=claim, actor=checker, offline=offline)
            if state == "in_progress":
                continue
            factcheck = claims.factcheck_save(
                claim=claim,
                actor=checker,
                rating=ratings[spec["rating"]],
                title=spec["title"],
                summary=spec["summary"],
                body=spec.get("body", f"Nhận định \"{spec['text']}\" đang được duyệt."),
            )
            claims.factcheck_submit(factcheck=factcheck, actor=checker)
            if state == "in_review":
                continue
            claims.review_submit(factcheck=factcheck, actor=editor, decision="approve")
            claims.factcheck_publish(factcheck=factcheck, actor=editor)
        demo.posts_watch(workspace=workspace)
        demo.tipline_open(workspace=workspace)
