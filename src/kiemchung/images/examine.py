"""One look at an image file kept by an app: its words and its fingerprints, or why not.

Every app that keeps images (the tipline's tips, a claim's evidence) calls this, so an image
is read and fingerprinted the same way wherever it arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiemchung.images.fingerprint import kept_fingerprints
from kiemchung.images.load import ImageUnreadable, image_load
from kiemchung.images.ocr import OcrEngine, text_read

# The outcome when no engine is installed; the others are those of `image_read_text`.
ENGINE_OFF = "off"


@dataclass(frozen=True)
class Examined:
    outcome: str  # READ, NO_TEXT, ENGINE_FAILED, ENGINE_OFF or a reason of image_load
    text: str = ""
    fingerprints: tuple[bytes, ...] = ()


def image_examine(data: bytes, engine: OcrEngine | None) -> Examined:
    """The words of the image file DATA and the fingerprints it is kept under.

    A file that is no image gets the reason and no fingerprint; without an engine the image
    is still fingerprinted. Input never raises; a bug or a resource limit still may, and the
    caller turns that into its own failed state.
    """
    try:
        image = image_load(data)
    except ImageUnreadable as exc:
        return Examined(outcome=exc.reason)
    fingerprints = tuple(kept_fingerprints(image))
    if engine is None:
        return Examined(outcome=ENGINE_OFF, fingerprints=fingerprints)
    result = text_read(image, engine)
    return Examined(outcome=result.outcome, text=result.text, fingerprints=fingerprints)
