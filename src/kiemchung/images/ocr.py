"""The OCR engine behind a small protocol, and the one call the apps make: `image_read_text`.

The engine is Tesseract with Debian's Vietnamese data (`tesseract-ocr`, `tesseract-ocr-vie`),
run as a program on this machine: no image leaves it, nothing is downloaded. Where it is not
installed `default_engine()` is None and the apps say that image reading is off.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Protocol

from PIL import Image

from kiemchung.images.load import image_load
from kiemchung.images.prepare import prepare

# Outcomes of reading an image, beside the reasons `image_load` refuses a file for.
READ = "read"
NO_TEXT = "no_text"
ENGINE_FAILED = "engine_failed"
# Fewer letters than this is noise (a logo, a stray mark), not words to check.
MIN_LETTERS = 6
MIN_CONFIDENCE = 45.0
MIN_LINE_CONFIDENCE = 40.0
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class OcrResult:
    text: str
    outcome: str  # READ, NO_TEXT, ENGINE_FAILED or a reason of image_load
    engine: str = ""


@dataclass(frozen=True)
class EngineText:
    text: str  # lines separated by newlines
    confidence: float  # 0-100, the mean over the words weighted by their length


class OcrEngine(Protocol):
    name: str

    def read(self, image: Image.Image) -> EngineText:
        """The text of a prepared grey image."""
        ...


class OcrEngineError(Exception):
    """The engine could not read the image (it crashed, timed out or is missing)."""


@dataclass
class TesseractEngine:
    """Tesseract's LSTM with the Vietnamese model, one process per image, one thread each."""

    command: str = "tesseract"
    languages: str = "vie"
    page_mode: int = 4
    timeout: float = TIMEOUT_SECONDS
    name: str = "tesseract"

    def read(self, image: Image.Image) -> EngineText:
        buffer = BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        # One thread per image: two workers then read two images at once on two cores.
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(  # noqa: S603 - a fixed command line, the image on stdin
                [self.command, "stdin", "stdout", "-l", self.languages, "--psm",
                 str(self.page_mode), "--oem", "1", "tsv"],
                input=buffer.getvalue(),
                capture_output=True,
                timeout=self.timeout,
                env=env,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OcrEngineError(type(exc).__name__) from None
        if done.returncode != 0:
            raise OcrEngineError(f"exit status {done.returncode}")
        return parse_tsv(done.stdout.decode("utf-8", errors="replace"))


def parse_tsv(tsv: str) -> EngineText:
    """Tesseract's TSV (one row per word with its confidence) as lines of text.

    A line the engine is unsure of as a whole (the edge of a chat bubble, an icon) is left out.
    """
    lines: dict[tuple[str, str, str, str], list[tuple[str, float]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            confidence = max(0.0, float(cells[10]))
        except ValueError:
            confidence = 0.0
        key = (cells[1], cells[2], cells[3], cells[4])
        lines.setdefault(key, []).append((cells[11].strip(), confidence))
    kept: list[str] = []
    weighted = 0.0
    letters = 0
    for words in lines.values():
        size = sum(len(word) for word, _ in words)
        line_confidence = sum(len(word) * c for word, c in words) / size
        if line_confidence < MIN_LINE_CONFIDENCE and len(lines) > 1:
            continue
        kept.append(" ".join(word for word, _ in words))
        weighted += line_confidence * size
        letters += size
    return EngineText(text="\n".join(kept), confidence=weighted / letters if letters else 0.0)


@lru_cache(maxsize=1)
def tesseract_languages(command: str = "tesseract") -> frozenset[str]:
    """The language models the installed tesseract has; empty when it is not installed."""
    if shutil.which(command) is None:
        return frozenset()
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command line
            [command, "--list-langs"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    lines = done.stdout.decode("utf-8", errors="replace").splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def default_engine() -> OcrEngine | None:
    """Tesseract with Vietnamese when both are installed, else None (image reading is off)."""
    if "vie" not in tesseract_languages():
        return None
    return TesseractEngine()


def clean_text(raw: str) -> str:
    """The engine's text in composed form, one line per line, without empty lines."""
    text = unicodedata.normalize("NFC", raw).replace("\x0c", "\n")
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if _is_words(line))


def _is_words(line: str) -> bool:
    """False for a line of marks (the edge of a chat bubble read as '~ —— —¬')."""
    letters = sum(1 for ch in line if ch.isalnum())
    return letters >= 2 and letters >= 0.5 * len(line.replace(" ", ""))


def letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def text_read(image: Image.Image, engine: OcrEngine) -> OcrResult:
    """The words of a decoded image."""
    prepared = prepare(image)
    try:
        read = engine.read(prepared.image)
    except OcrEngineError:
        return OcrResult(text="", outcome=ENGINE_FAILED, engine=engine.name)
    text = clean_text(read.text)
    # Text in another script or a picture without words comes out as a few unsure letters.
    if letter_count(text) < MIN_LETTERS or read.confidence < MIN_CONFIDENCE:
        return OcrResult(text="", outcome=NO_TEXT, engine=engine.name)
    return OcrResult(text=text, outcome=READ, engine=engine.name)


def image_read_text(data: bytes, engine: OcrEngine) -> OcrResult:
    """The words of the image file DATA, or the reason there are none; never raises on input."""
    from kiemchung.images.load import ImageUnreadable

    try:
        image = image_load(data)
    except ImageUnreadable as exc:
        return OcrResult(text="", outcome=exc.reason, engine=engine.name)
    return text_read(image, engine)
