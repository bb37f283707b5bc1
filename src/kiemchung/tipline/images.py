"""Images tipsters attach: the type is read from the content, and only the pixels are kept."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# A 10 MB file can still decode to gigabytes of pixels. A tip's photo is re-encoded from its
# pixels, 4 bytes each and a few copies at once, so the limit is well below Pillow's: 25
# megapixels is a large phone photo (a 200 MB decode at most).
MAX_PIXELS = 25_000_000
# Past this size, the pixels must be paid for in bytes: a photo or a screenshot carries at
# least one byte for every few dozen pixels, while a 4 KB one-colour PNG can announce 36
# million. Each byte of the file buys this many pixels.
FREE_PIXELS = 4_000_000
PIXELS_PER_BYTE = 100
# Images one submission of the web form may carry.
WEB_FORM_MAX_IMAGES = 3
# Only the first frame is kept; an animation with more frames than this is not a photo.
MAX_FRAMES = 100


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


def _check_header(probe: Image.Image, *, size: int) -> None:
    """Refuses, from the header alone, an image whose decoding would cost out of proportion."""
    pixels = probe.width * probe.height
    if pixels > MAX_PIXELS:
        raise ImageRefused(
            _("Ảnh quá lớn: %(width)d × %(height)d điểm ảnh, tối đa %(most)d triệu điểm ảnh.")
            % {"width": probe.width, "height": probe.height, "most": MAX_PIXELS // 1_000_000}
        )
    if pixels > max(FREE_PIXELS, size * PIXELS_PER_BYTE):
        raise ImageRefused(
            _(
                "Ảnh %(width)d × %(height)d điểm ảnh mà tệp chỉ có %(kb)d KB: đây không giống "
                "một bức ảnh chụp hay ảnh màn hình. Hãy gửi ảnh gốc."
            )
            % {"width": probe.width, "height": probe.height, "kb": max(1, size // 1024)}
        )
    if getattr(probe, "n_frames", 1) > MAX_FRAMES:
        raise ImageRefused(_("Ảnh động có quá nhiều khung hình. Hãy gửi một ảnh tĩnh."))


def image_clean(data: bytes) -> CleanImage:
    """The image re-encoded from its pixels alone: no EXIF, GPS, maker notes or comments."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as probe:
                kind = probe.format or ""
                if kind not in CONTENT_TYPES:
                    raise _not_an_image()
                _check_header(probe, size=len(data))
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
