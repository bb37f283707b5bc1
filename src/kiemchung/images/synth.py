"""The project's own test images: Vietnamese sentences rendered as phone screenshots (light and
dark, chat bubbles, a status bar) and as photographed paper (turned, blurred, unevenly lit,
saved as low-quality JPEG), and the variants a reshared picture goes through (resized, cropped,
re-encoded, a caption added).

`write_ocr_set` writes NAME.png or NAME.jpg beside NAME.txt (the words drawn) for
`kiemchung bench ocr`; `write_duplicate_set` writes originals, their variants and unrelated
images for `kiemchung bench images`.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

PHONE_WIDTH = 720
PHONE_HEIGHT = 1560
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
)
VIETNAMESE_LETTERS = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹĐƠƯ"


@dataclass(frozen=True)
class Face:
    name: str
    path: str


def faces() -> list[Face]:
    """Be Vietnam Pro (a dependency) at two weights, and the system's fonts that are installed."""
    import fontpkg

    found = [
        Face(f"bevietnampro-{weight}", str(fontpkg.path("Be Vietnam Pro", weight=weight)))
        for weight in (400, 600)
    ]
    found += [
        Face(Path(p).stem.lower(), p)
        for p in SYSTEM_FONTS
        if Path(p).exists() and _draws_vietnamese(p)
    ]
    return found


def _draws_vietnamese(path: str) -> bool:
    """True when the font has a glyph for each Vietnamese letter (many Latin fonts lack some)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap() or {}
    return all(ord(ch) in cmap for ch in VIETNAMESE_LETTERS)


def _font(face: Face, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(face.path, size)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """TEXT in lines no wider than WIDTH pixels, broken between words."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _status_bar(draw: ImageDraw.ImageDraw, face: Face, dark: bool) -> None:
    ink = (255, 255, 255) if dark else (0, 0, 0)
    font = _font(face, 26)
    draw.text((36, 16), "9:41", font=font, fill=ink)
    draw.rectangle((PHONE_WIDTH - 90, 22, PHONE_WIDTH - 44, 44), outline=ink, width=2)
    draw.rectangle((PHONE_WIDTH - 86, 26, PHONE_WIDTH - 60, 40), fill=ink)
    for i in range(4):
        draw.rectangle((PHONE_WIDTH - 160 + i * 10, 40 - i * 6, PHONE_WIDTH - 154 + i * 10, 44),
                       fill=ink)


def screenshot(messages: Sequence[str], *, face: Face, size: int, dark: bool) -> Image.Image:
    """A chat app on a phone: each message a bubble, theirs grey on the left, ours blue."""
    ground = (0, 0, 0) if dark else (255, 255, 255)
    image = Image.new("RGB", (PHONE_WIDTH, PHONE_HEIGHT), ground)
    draw = ImageDraw.Draw(image)
    _status_bar(draw, face, dark)
    bar = (28, 28, 30) if dark else (246, 246, 246)
    draw.rectangle((0, 70, PHONE_WIDTH, 150), fill=bar)
    font = _font(face, size)
    line_height = round(size * 1.35)
    top = 180
    for index, message in enumerate(messages):
        ours = index % 2 == 1
        lines = wrap(message, font, int(PHONE_WIDTH * 0.68))
        width = max(int(font.getlength(line)) for line in lines) + 48
        height = len(lines) * line_height + 32
        if top + height > PHONE_HEIGHT - 40:
            break
        left = PHONE_WIDTH - width - 24 if ours else 24
        if ours:
            fill, ink = (10, 124, 255), (255, 255, 255)
        else:
            fill, ink = ((38, 38, 40), (255, 255, 255)) if dark else ((233, 233, 235), (0, 0, 0))
        draw.rounded_rectangle((left, top, left + width, top + height), radius=28, fill=fill)
        for n, line in enumerate(lines):
            draw.text((left + 24, top + 14 + n * line_height), line, font=font, fill=ink)
        top += height + 24
    return image


def paper(text: str, *, face: Face, size: int, width: int = 1100) -> Image.Image:
    """A printed page (a notice, a letter) holding TEXT."""
    font = _font(face, size)
    lines = wrap(text, font, width - 160)
    line_height = round(size * 1.45)
    height = max(600, len(lines) * line_height + 200)
    page = Image.new("RGB", (width, height), (250, 249, 244))
    draw = ImageDraw.Draw(page)
    for n, line in enumerate(lines):
        draw.text((80, 100 + n * line_height), line, font=font, fill=(20, 20, 24))
    return page


def photograph(page: Image.Image, rng: random.Random, *, quality: int = 45) -> Image.Image:
    """PAGE as a phone photographs it: on a table, turned a little, unevenly lit, soft, JPEG."""
    angle = rng.uniform(2.0, 6.0) * rng.choice((-1, 1))
    turned = page.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(96, 78, 60)
    )
    margin = 60
    photo = Image.new("RGB", (turned.width + 2 * margin, turned.height + 2 * margin),
                      (96, 78, 60))
    photo.paste(turned, (margin, margin))
    pixels = np.asarray(photo).astype(np.float32)
    # Light falls off towards one corner, and the sensor adds grain.
    ys, xs = np.mgrid[0:photo.height, 0:photo.width]
    light = 1.0 - 0.25 * (xs / photo.width + ys / photo.height) / 2.0
    pixels = pixels * light[..., None]
    pixels += np.random.default_rng(rng.randrange(2**32)).normal(0, 6, pixels.shape)
    photo = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))
    return reencode(photo, quality=quality)


def reencode(image: Image.Image, *, quality: int) -> Image.Image:
    buffer = BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return Image.open(BytesIO(buffer.getvalue())).convert("RGB")


def resized(image: Image.Image, factor: float = 0.5) -> Image.Image:
    return image.resize((round(image.width * factor), round(image.height * factor)),
                        Image.Resampling.LANCZOS)


def cropped(image: Image.Image, share: float = 0.10) -> Image.Image:
    """SHARE of the width and of the height cut off, half from each side."""
    dx, dy = round(image.width * share / 2), round(image.height * share / 2)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def captioned(image: Image.Image, caption: str, face: Face) -> Image.Image:
    """IMAGE with a band of text added under it, as a reshare adds its own words."""
    size = max(18, image.width // 24)
    band = round(size * 2.4)
    out = Image.new("RGB", (image.width, image.height + band), (255, 255, 255))
    out.paste(image, (0, 0))
    draw = ImageDraw.Draw(out)
    draw.text((size, image.height + size // 2), caption, font=_font(face, size), fill=(0, 0, 0))
    return out


VARIANTS = ("resized", "cropped", "reencoded", "captioned")


def variant(image: Image.Image, kind: str, face: Face) -> Image.Image:
    if kind == "resized":
        return resized(image)
    if kind == "cropped":
        return cropped(image)
    if kind == "reencoded":
        return reencode(image, quality=50)
    if kind == "captioned":
        return captioned(image, "Chia sẻ ngay cho cả nhà!", face)
    raise ValueError(kind)


def sentences_from(path: Path, *, limit: int, seed: int = 7) -> list[str]:
    """Vietnamese sentences of a JSONL file (its "Statement", "claim" or "text" field)."""
    found: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            text = next((row[k] for k in ("Statement", "claim", "text") if row.get(k)), "")
            text = unicodedata.normalize("NFC", " ".join(str(text).split()))
            if 40 <= len(text) <= 220:
                found.append(text)
    random.Random(seed).shuffle(found)
    return found[:limit]


def _save(image: Image.Image, path: Path) -> None:
    if path.suffix == ".jpg":
        image.convert("RGB").save(path, format="JPEG", quality=92)
    else:
        image.save(path, format="PNG")


def write_ocr_set(
    folder: Path, sentences: Sequence[str], *, count: int, seed: int = 7
) -> list[str]:
    """COUNT screenshots (light and dark) and COUNT photographed pages under FOLDER/screens and
    FOLDER/photos, each beside the text it shows; the names written."""
    rng = random.Random(seed)
    available = faces()
    written: list[str] = []
    pool = list(sentences)
    for n in range(count):
        face = available[n % len(available)]
        size = (26, 30, 34, 38)[n % 4]
        picked = rng.sample(pool, k=min(3, len(pool)))
        image = screenshot(picked, face=face, size=size, dark=n % 2 == 1)
        (folder / "screens").mkdir(parents=True, exist_ok=True)
        name = f"screens/s{n:03d}-{face.name}-{size}-{'dark' if n % 2 else 'light'}"
        shown = _shown_messages(picked, face, size)
        _save(image, folder / f"{name}.png")
        (folder / f"{name}.txt").write_text("\n".join(shown) + "\n", encoding="utf-8")
        written.append(name)
    for n in range(count):
        face = available[n % len(available)]
        size = (28, 32, 36)[n % 3]
        text = " ".join(rng.sample(pool, k=min(2, len(pool))))
        photo = photograph(paper(text, face=face, size=size), rng)
        (folder / "photos").mkdir(parents=True, exist_ok=True)
        name = f"photos/p{n:03d}-{face.name}-{size}"
        _save(photo, folder / f"{name}.jpg")
        (folder / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        written.append(name)
    return written


def _shown_messages(messages: Sequence[str], face: Face, size: int) -> list[str]:
    """The messages that fit on the screen (a long conversation is cut at the bottom)."""
    font = _font(face, size)
    top, shown = 180, []
    for message in messages:
        lines = wrap(message, font, int(PHONE_WIDTH * 0.68))
        height = len(lines) * round(size * 1.35) + 32
        if top + height > PHONE_HEIGHT - 40:
            break
        shown.append(message)
        top += height + 24
    return shown


def originals(sentences: Sequence[str], *, count: int, seed: int) -> Iterable[Image.Image]:
    """COUNT different images: screenshots and photographed pages of different sentences."""
    rng = random.Random(seed)
    available = faces()
    pool = list(sentences)
    for n in range(count):
        face = available[n % len(available)]
        picked = rng.sample(pool, k=min(2, len(pool)))
        if n % 3 == 2:
            yield photograph(paper(" ".join(picked), face=face, size=30), rng, quality=85)
        else:
            yield screenshot(picked, face=face, size=(28, 32, 36)[n % 3], dark=n % 2 == 1)


def write_duplicate_set(
    corpus: Path, queries: Path, sentences: Sequence[str], *, count: int, unrelated: int,
    seed: int = 7,
) -> None:
    """COUNT originals under CORPUS; under QUERIES each one's variants (NAME--KIND.jpg, whose
    answer is NAME) and UNRELATED images of other sentences (unrelated-N.jpg, answer none)."""
    corpus.mkdir(parents=True, exist_ok=True)
    queries.mkdir(parents=True, exist_ok=True)
    face = faces()[0]
    half = len(sentences) // 2
    for n, image in enumerate(originals(sentences[:half], count=count, seed=seed)):
        _save(image, corpus / f"o{n:04d}.png")
        for kind in VARIANTS:
            _save(variant(image, kind, face), queries / f"o{n:04d}--{kind}.jpg")
    others = originals(sentences[half:], count=unrelated, seed=seed + 1)
    for n, image in enumerate(others):
        _save(image, queries / f"unrelated-{n:04d}.jpg")
