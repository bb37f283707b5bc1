"""Images tipsters attach: the type is read from the content, and only the pixels are kept."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# A 10 MB file can still decode to gigabytes of pixels; 40 megapixels is a large phone photo.
MAX_PIXELS = 40_000_000


class ImageRefused(Exception):
    """The file is not an image kiemchung accepts; `message` says why, for the tipster."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    width: int
    height: int


def _not_an_image() -> ImageRefused:
    return ImageRefused(
        _("Tệp đính kèm không phải là ảnh. Chỉ nhận ảnh JPEG, PNG hoặc WebP.")
    )


def image_clean(data: bytes) -> CleanImage:
    """The image re-encoded from its pixels alone: no EXIF, GPS, maker notes or comments."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                kind = probe.format or ""
                if kind not in CONTENT_TYPES:
                    raise _not_an_image()
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageRefused(_("Ảnh quá lớn (quá nhiều điểm ảnh)."))
                probe.verify()
            with Image.open(BytesIO(data)) as source:
                source.load()
                # Turn the picture the way the camera meant before the orientation tag goes.
                upright = ImageOps.exif_transpose(source)
    except ImageRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _not_an_image() from None
    if kind == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA")
    # A new image from raw pixels carries no metadata of the original at all.
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    out = BytesIO()
    options: dict[str, object] = {"quality": 90} if kind in ("JPEG", "WEBP") else {}
    pixels.save(out, format=kind, **options)
    return CleanImage(
        content=out.getvalue(),
        content_type=CONTENT_TYPES[kind],
        width=pixels.width,
        height=pixels.height,
    )
