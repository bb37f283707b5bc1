"""Share cards: Vietnamese drawn with real glyphs, the two sizes, long claims cut cleanly, one
public address per fact-check that follows corrections."""

from __future__ import annotations

import io

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from claim_stories import CLAIM_TEXT, correction_approved, verdict_approved, verdict_published
from kiemchung.claims import services
from kiemchung.publishing import cards

VIETNAMESE = (
    "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ"
    "ỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹĐđƠơƯưÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĨĩŨũ"
)
LONG_CLAIM = (
    "Uống nước chanh ấm mỗi sáng giúp chữa khỏi ung thư giai đoạn cuối mà không cần hóa trị, "
    "theo lời một bác sĩ nổi tiếng ở Hà Nội được chia sẻ hàng nghìn lần trên mạng xã hội; "
    "bài đăng còn nói Bộ Y tế đã xác nhận điều này và khuyên mọi người bỏ thuốc ngay lập tức "
    "để chuyển sang uống nước chanh, gừng và mật ong suốt sáu tháng liền."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _cmap(weight: int) -> set[int]:
    with TTFont(str(cards.font_path(weight))) as font:
        return set(font.getBestCmap())


def _content(claim: str = CLAIM_TEXT, **changes) -> cards.CardContent:
    values = {
        "team": "Nhóm Kiểm Chứng Sự Thật",
        "claim": claim,
        "rating": "Sai sự thật",
        "tone": "false",
        "url": "https://kiemchung.example/p/nhom/12/sai-su-that-nuoc-chanh/",
        "labels": ("KIỂM CHỨNG", "Nhận định", "Kết luận"),
    }
    values.update(changes)
    return cards.CardContent(**values)


def test_font_is_found_through_its_package_and_covers_vietnamese():
    path = cards.font_path(400)
    assert "fontpkg_be_vietnam_pro" in str(path) and path.suffix == ".ttf"
    for weight in (400, 600, 800):
        missing = [c for c in VIETNAMESE if ord(c) not in _cmap(weight)]
        assert missing == [], f"weight {weight} lacks {missing}"


@pytest.mark.parametrize("size", ["og", "square"])
def test_card_has_no_tofu_for_vietnamese(size):
    content = _content(claim=f"{VIETNAMESE} 🍋 chữa ung thư ✅ “trích dẫn” – ‘đúng’…",
                       team="Đội ngũ Kiểm chứng Ước Mơ")
    layout = cards.layout(content, cards.SIZES[size])
    drawn = layout.text
    for block in layout.blocks:
        cmap = _cmap({400: 400, 600: 600, 800: 800}[_weight_of(block.font)])
        missing = sorted({c for line in block.lines for c in line if ord(c) not in cmap})
        assert missing == [], f"{block.role}: no glyph for {missing}"
    assert "🍋" not in drawn and "✅" not in drawn, "emoji are left out, not drawn as boxes"
    # Every glyph drawn is a real one: none renders as the font's .notdef box.
    notdef = cards.font(600, 56).getmask("\U000f0000").getbbox()
    for char in set(drawn) - {" ", "\n"}:
        assert cards.font(600, 56).getmask(char).getbbox() != notdef, char


def _weight_of(face) -> int:
    name = face.path if isinstance(face.path, str) else ""
    for weight in (400, 600, 800):
        if name == str(cards.font_path(weight)):
            return weight
    raise AssertionError(name)


@pytest.mark.parametrize(("size", "width", "height"), [("og", 1200, 630),
                                                         ("square", 1080, 1080)])
def test_cards_have_their_sizes(size, width, height):
    png = cards.render(_content(), cards.SIZES[size])
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (width, height)


@pytest.mark.parametrize("size", ["og", "square"])
def test_long_claim_is_ellipsised(size):
    layout = cards.layout(_content(claim=LONG_CLAIM * 2), cards.SIZES[size])
    claim = layout.block("claim")
    assert len(claim.lines) >= 3
    assert claim.lines[-1].endswith("…")
    assert all(not line.endswith("…") for line in claim.lines[:-1])
    for block in layout.blocks:
        for line in block.lines:
            assert block.font.getlength(line) <= block.width, (block.role, line)
        assert block.x + block.width <= layout.size.width
        assert block.y + block.height <= layout.size.height
    # The claim box ends above the rating, the rating above the address.
    assert claim.y + claim.height <= layout.block("rating").y
    assert layout.block("rating").y < layout.block("url").y


def test_short_claim_is_whole_with_its_quotes():
    claim = cards.layout(_content(), cards.SIZES["og"]).block("claim")
    assert " ".join(claim.lines) == f"“{CLAIM_TEXT}”"


def test_a_word_wider_than_the_box_is_broken_not_overflowed():
    layout = cards.layout(_content(claim="a" * 400), cards.SIZES["og"])
    for block in layout.blocks:
        for line in block.lines:
            assert block.font.getlength(line) <= block.width


def test_long_team_name_and_address_are_cut_to_their_boxes():
    layout = cards.layout(
        _content(team="Nhóm " * 40, url="https://kiemchung.example/" + "duong-dan-" * 40),
        cards.SIZES["og"],
    )
    assert layout.block("team").lines[0].endswith("…")
    assert layout.block("url").lines[0].endswith("…")


def test_card_is_served_cached_and_redrawn_after_a_correction(client, team, settings):
    factcheck = verdict_published(team)
    path = f"/p/nhom/{factcheck.pk}/card/og.png"

    first = client.get(path)
    assert first.status_code == 200
    assert first["Content-Type"] == "image/png"
    assert "max-age=3600" in first["Cache-Control"]
    image = Image.open(io.BytesIO(b"".join(first.streaming_content)))
    assert image.size == (1200, 630)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    kept = sorted((settings.MEDIA_ROOT / "cards" / str(factcheck.pk)).glob("og-*.png"))
    assert len(kept) == 1

    correction_approved(team, factcheck, note="Đổi kết luận", rating=_another_rating(factcheck))
    second = client.get(path)
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    now_kept = sorted((settings.MEDIA_ROOT / "cards" / str(factcheck.pk)).glob("og-*.png"))
    assert len(now_kept) == 1 and now_kept != kept

    square = client.get(f"/p/nhom/{factcheck.pk}/card/square.png")
    assert Image.open(io.BytesIO(b"".join(square.streaming_content))).size == (1080, 1080)
    assert client.get(f"/p/nhom/{factcheck.pk}/card/huge.png").status_code == 404


def _another_rating(factcheck):
    from kiemchung.claims.models import Rating

    return (
        Rating.objects.filter(workspace=factcheck.rating.workspace, is_active=True)
        .exclude(pk=factcheck.rating_id)
        .first()
    )


@pytest.mark.parametrize(
    ("tone", "label"),
    [("false", "Sai"), ("misleading", "Gây hiểu lầm"), ("true", "Đúng"),
     ("unproven", "Chưa đủ căn cứ")],
)
def test_the_card_badge_has_the_colours_of_the_pages(tone, label):
    content = _content(rating=label, tone=tone)
    size = cards.SIZES["og"]
    badge = cards.layout(content, size).badge
    rating = next(b for b in cards.layout(content, size).blocks if b.role == "rating")
    image = Image.open(io.BytesIO(cards.render(content, size))).convert("RGB")

    colours = services.TONE_COLOURS[tone]
    assert image.getpixel((badge.x + 4, badge.y + badge.height // 2)) == colours.rgb("background")
    assert rating.fill == colours.rgb("ink")


def test_a_card_follows_its_rating_step_s_meaning(team):
    factcheck = verdict_published(team)  # rated "Sai"

    assert cards.card_content(factcheck).tone == "false"


def test_unpublished_fact_check_has_no_card(client, team):
    factcheck = verdict_approved(team)
    assert client.get(f"/p/nhom/{factcheck.pk}/card/og.png").status_code == 404
    assert client.get(f"/p/khac/{factcheck.pk}/card/og.png").status_code == 404


def test_og_image_tags_point_at_the_card(team):
    from django.template import Context, Template

    factcheck = verdict_published(team)
    html = Template("{% load share_cards %}{% share_card_meta factcheck %}").render(
        Context({"factcheck": factcheck})
    )
    url = cards.card_url(factcheck)
    assert url.startswith(f"http://127.0.0.1:8000/p/nhom/{factcheck.pk}/card/og.png?v=")
    assert f'<meta property="og:image" content="{url}">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
