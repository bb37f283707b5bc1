"""Share cards: one image per published fact-check, for link previews and posts.

The card says what was claimed, the verdict, who checked it and where to read it, in Be
Vietnam Pro (a font with every Vietnamese letter, installed as a package). Text that does not
fit its box is wrapped and, past the last line allowed, cut with "…". Characters the font
has no glyph for (emoji, symbols) are left out rather than drawn as empty boxes.

Rendered cards are kept under MEDIA_ROOT/cards/, named by a digest of what they show, so a
correction (a new rating, title or wording) makes a new file and the old one is removed.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import fontpkg
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from kiemchung.claims.models import FactCheck
from kiemchung.claims.services import NEUTRAL_COLOURS, TONE_COLOURS, ToneColours
from kiemchung.publishing.jsonld import absolute_url, factcheck_path

FONT_FAMILY = "Be Vietnam Pro"
ELLIPSIS = "…"
# Bump when the drawing changes, so cards already kept are drawn again.
DESIGN_VERSION = 2

_INK = (255, 255, 255)
_MUTED = (176, 190, 204)
_BACKGROUND = (15, 30, 46)
_ACCENT = (242, 201, 76)


@dataclass(frozen=True)
class CardSize:
    name: str
    width: int
    height: int


SIZES: dict[str, CardSize] = {
    "og": CardSize("og", 1200, 630),
    "square": CardSize("square", 1080, 1080),
}


@dataclass(frozen=True)
class CardContent:
    """What a card shows, as plain text; the digest of it names the kept file."""

    team: str
    claim: str
    rating: str
    # What the rating means (a RatingTone), which gives its badge the colours of the pages.
    tone: str
    url: str
    labels: tuple[str, str, str]

    def digest(self, size: CardSize) -> str:
        data = [DESIGN_VERSION, size.name, self.team, self.claim, self.rating,
                self.tone, self.url, list(self.labels)]
        blob = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class TextBlock:
    """Lines of text drawn in one box: `width` is the box's, every line must fit in it."""

    role: str
    lines: tuple[str, ...]
    font: ImageFont.FreeTypeFont
    x: int
    y: int
    width: int
    line_height: int
    fill: tuple[int, int, int]

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


@dataclass(frozen=True)
class Badge:
    x: int
    y: int
    width: int
    height: int
    fill: tuple[int, int, int]
    ink: tuple[int, int, int]


@dataclass(frozen=True)
class CardLayout:
    size: CardSize
    blocks: tuple[TextBlock, ...]
    badge: Badge | None

    def block(self, role: str) -> TextBlock:
        return next(block for block in self.blocks if block.role == role)

    @property
    def text(self) -> str:
        """Every character the card draws."""
        return "\n".join(line for block in self.blocks for line in block.lines)


@lru_cache(maxsize=8)
def font_path(weight: int) -> Path:
    """The TTF of Be Vietnam Pro at this weight, found through its package."""
    return Path(fontpkg.path(FONT_FAMILY, weight=weight))


@lru_cache(maxsize=32)
def font(weight: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), size)


_WEIGHTS = (400, 600, 800)


@lru_cache(maxsize=8)
def covered_characters(weight: int) -> frozenset[int]:
    """Code points the font at this weight has a glyph for (its cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font_path(weight)), lazy=True) as ttf:
        return frozenset(ttf.getBestCmap())


def drawable(text: str) -> str:
    """TEXT in composed (NFC) form on one line, without characters the font cannot draw."""
    covered = frozenset.intersection(*(covered_characters(weight) for weight in _WEIGHTS))
    composed = unicodedata.normalize("NFC", text)
    kept = []
    for char in composed:
        if char.isspace():
            kept.append(" ")
        elif ord(char) in covered:
            kept.append(char)
    return re.sub(r" {2,}", " ", "".join(kept)).strip()


def _width(text: str, face: ImageFont.FreeTypeFont) -> float:
    return face.getlength(text)


def fit_line(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    """TEXT if it fits in WIDTH pixels, or its longest start that fits with "…" after it."""
    if _width(text, face) <= width:
        return text
    cut = len(text)
    while cut > 0:
        candidate = text[:cut].rstrip(" ,.;:-–—") + ELLIPSIS
        if _width(candidate, face) <= width:
            return candidate
        cut -= 1
    return ELLIPSIS


def _split_long_word(word: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for char in word:
        if current and _width(current + char, face) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    if current:
        pieces.append(current)
    return pieces


def wrap(
    text: str, face: ImageFont.FreeTypeFont, width: int, max_lines: int
) -> tuple[list[str], bool]:
    """TEXT broken into lines of at most WIDTH pixels; (lines, whether all of it fitted).

    Past MAX_LINES the last line ends with "…". A word wider than the box is broken.
    """
    words: list[str] = []
    for word in text.split():
        words.extend([word] if _width(word, face) <= width else _split_long_word(word, face, width))
    lines: list[str] = []
    current = ""
    for index, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if _width(candidate, face) <= width:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines:
            rest = " ".join(words[index:])
            lines[-1] = fit_line(f"{lines[-1]} {rest}", face, width)
            return lines, False
    if current:
        lines.append(current)
    return lines, True


def _tone_colours(tone: str) -> ToneColours:
    return TONE_COLOURS.get(tone, NEUTRAL_COLOURS)


def _display_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}".rstrip("/")


def card_content(factcheck: FactCheck) -> CardContent:
    """What the card of a published fact-check shows, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        labels = (_("KIỂM CHỨNG"), _("Nhận định"), _("Kết luận"))
    return CardContent(
        team=factcheck.claim.workspace.name,
        claim=factcheck.claim.text,
        rating=factcheck.rating.label if factcheck.rating else "",
        tone=factcheck.rating.tone if factcheck.rating else "",
        url=absolute_url(factcheck_path(factcheck)),
        labels=labels,
    )


def _claim_block(
    claim: str, *, x: int, y: int, width: int, height: int, sizes: tuple[int, ...]
) -> TextBlock:
    """The claim in the largest size that fits the box whole, or the smallest one cut."""
    quoted = f"“{claim}”"
    for index, px in enumerate(sizes):
        face = font(600, px)
        line_height = round(px * 1.3)
        max_lines = max(1, height // line_height)
        lines, whole = wrap(quoted, face, width, max_lines)
        if whole or index == len(sizes) - 1:
            return TextBlock("claim", tuple(lines), face, x, y, width, line_height, _INK)
    raise AssertionError("no claim size given")


def layout(content: CardContent, size: CardSize) -> CardLayout:
    """Where every piece of text goes on a card of SIZE."""
    square = size.width == size.height
    pad = 72 if square else 64
    inner = size.width - 2 * pad
    kicker, claim_label, rating_label = (drawable(label) for label in content.labels)
    blocks: list[TextBlock] = []

    head_face = font(800, 34 if not square else 40)
    head_height = round(head_face.size * 1.4)
    kicker_face = font(600, 24 if not square else 28)
    kicker_text = fit_line(kicker, kicker_face, inner // 3)
    kicker_width = math.ceil(_width(kicker_text, kicker_face))
    team = fit_line(drawable(content.team), head_face, inner - kicker_width - 32)
    blocks.append(TextBlock("team", (team,), head_face, pad, pad, inner - kicker_width - 32,
                            head_height, _INK))
    blocks.append(TextBlock("kicker", (kicker_text,), kicker_face, size.width - pad - kicker_width,
                            pad + 8, kicker_width, head_height, _ACCENT))

    url_face = font(400, 26 if not square else 30)
    url_height = round(url_face.size * 1.4)
    url_y = size.height - pad - url_height
    url_line = fit_line(drawable(_display_url(content.url)), url_face, inner)
    blocks.append(TextBlock("url", (url_line,), url_face, pad, url_y, inner, url_height, _MUTED))

    badge = None
    rating_face = font(800, 38 if not square else 46)
    rating_height = round(rating_face.size * 1.5)
    rating_y = url_y - 32 - rating_height
    if content.rating:
        label_face = font(400, 28 if not square else 32)
        label_text = fit_line(f"{rating_label}:", label_face, inner // 3)
        label_width = math.ceil(_width(label_text, label_face))
        blocks.append(TextBlock("rating_label", (label_text,), label_face, pad,
                                rating_y + (rating_height - round(label_face.size)) // 2 - 4,
                                label_width, rating_height, _MUTED))
        badge_x = pad + label_width + 20
        badge_pad = 24
        text_width = inner - (badge_x - pad) - 2 * badge_pad
        rating_text = fit_line(drawable(content.rating), rating_face, text_width)
        colours = _tone_colours(content.tone)
        badge = Badge(badge_x, rating_y,
                      math.ceil(_width(rating_text, rating_face)) + 2 * badge_pad, rating_height,
                      colours.rgb("background"), colours.rgb("ink"))
        blocks.append(TextBlock("rating", (rating_text,), rating_face, badge_x + badge_pad,
                                rating_y + (rating_height - round(rating_face.size * 1.2)) // 2,
                                text_width, rating_height, badge.ink))

    label_face = font(400, 26 if not square else 30)
    label_y = pad + head_height + (28 if not square else 56)
    label_height = round(label_face.size * 1.5)
    blocks.append(TextBlock("claim_label", (fit_line(claim_label, label_face, inner),),
                            label_face, pad, label_y, inner, label_height, _MUTED))
    claim_y = label_y + label_height
    claim_bottom = rating_y - (28 if not square else 48)
    sizes = (56, 50, 44, 40) if not square else (72, 64, 56, 50)
    blocks.append(_claim_block(drawable(content.claim), x=pad, y=claim_y, width=inner,
                               height=claim_bottom - claim_y, sizes=sizes))
    return CardLayout(size=size, blocks=tuple(blocks), badge=badge)


def render(content: CardContent, size: CardSize) -> bytes:
    """The card as PNG bytes."""
    card = layout(content, size)
    image = Image.new("RGB", (size.width, size.height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 12, size.height), fill=_ACCENT)
    if card.badge is not None:
        badge = card.badge
        draw.rounded_rectangle(
            (badge.x, badge.y, badge.x + badge.width, badge.y + badge.height),
            radius=badge.height // 4,
            fill=badge.fill,
        )
    for block in card.blocks:
        for index, line in enumerate(block.lines):
            draw.text((block.x, block.y + index * block.line_height), line, font=block.font,
                      fill=block.fill)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _folder(factcheck: FactCheck) -> Path:
    return Path(settings.MEDIA_ROOT) / "cards" / str(factcheck.pk)


def card_file(factcheck: FactCheck, size: CardSize) -> tuple[Path, str]:
    """The kept card of a published fact-check at SIZE, drawn now if what it shows changed.

    Returns the file and its digest (an ETag for it).
    """
    content = card_content(factcheck)
    digest = content.digest(size)
    folder = _folder(factcheck)
    path = folder / f"{size.name}-{digest}.png"
    if path.exists():
        return path, digest
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{size.name}-{digest}.{os.getpid()}.tmp"
    partial.write_bytes(render(content, size))
    partial.replace(path)
    for older in folder.glob(f"{size.name}-*.png"):
        if older != path:
            older.unlink(missing_ok=True)
    return path, digest


def card_path(factcheck: FactCheck, size: str = "og") -> str:
    """The public path of the card, with the digest so previews fetch it again after a change."""
    path = reverse(
        "reader:card",
        kwargs={
            "workspace_slug": factcheck.claim.workspace.slug,
            "pk": factcheck.pk,
            "size": size,
        },
    )
    return f"{path}?v={card_content(factcheck).digest(SIZES[size])[:10]}"


def card_url(factcheck: FactCheck, size: str = "og") -> str:
    """The absolute address of the card (for og:image and for outlets that take an image)."""
    return absolute_url(card_path(factcheck, size))
