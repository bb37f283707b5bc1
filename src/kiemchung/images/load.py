"""Decoding an image file with limits: what is not a still image kiemchung can read is refused
with a reason, never a traceback, and no file decodes to more pixels than a large phone photo."""

from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

# 40 megapixels is a large phone photo; past it a small file may be a decompression bomb.
MAX_PIXELS = 40_000_000
MAX_BYTES = 25 * 1024 * 1024
FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"})

# Reasons a file is refused; callers turn them into words for people.
NOT_AN_IMAGE = "not_an_image"
TOO_LARGE = "too_large"
DAMAGED = "damaged"


class ImageUnreadable(Exception):
    """The bytes are not an image that can be read; `reason` is one of the constants above."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def image_load(data: bytes, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The first frame of the image in DATA, upright and in RGB.

    An animated GIF or WebP gives its first frame: that is what a chat app shows as a still.
    """
    if not data:
        raise ImageUnreadable(NOT_AN_IMAGE)
    if len(data) > MAX_BYTES:
        raise ImageUnreadable(TOO_LARGE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                if (probe.format or "") not in FORMATS:
                    raise ImageUnreadable(NOT_AN_IMAGE)
                if probe.width * probe.height > max_pixels:
                    raise ImageUnreadable(TOO_LARGE)
                probe.verify()
            with Image.open(BytesIO(data)) as source:
                source.seek(0)
                source.load()
                upright = ImageOps.exif_transpose(source)
                if upright.mode in ("RGBA", "LA", "PA") or (
                    upright.mode == "P" and "transparency" in upright.info
                ):
                    # Transparent pixels read as white, as a viewer shows them.
                    rgba = upright.convert("RGBA")
                    flat = Image.new("RGB", rgba.size, (255, 255, 255))
                    flat.paste(rgba, mask=rgba.getchannel("A"))
                    return flat
                return upright.convert("RGB")
    except ImageUnreadable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageUnreadable(TOO_LARGE) from None
    except UnidentifiedImageError:
        raise ImageUnreadable(NOT_AN_IMAGE) from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise ImageUnreadable(DAMAGED) from None
