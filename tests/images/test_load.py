from io import BytesIO

import pytest
from PIL import Image

from kiemchung.images.load import (
    DAMAGED,
    NOT_AN_IMAGE,
    TOO_LARGE,
    ImageUnreadable,
    image_load,
)


def _png(size=(40, 30), colour=(200, 10, 10)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("data", [b"", b"hello, this is text", b"%PDF-1.4\n..."])
def test_what_is_not_an_image_is_refused(data):
    with pytest.raises(ImageUnreadable) as caught:
        image_load(data)
    assert caught.value.reason == NOT_AN_IMAGE


def test_a_truncated_file_is_damaged_or_not_an_image():
    data = _png(size=(400, 300))
    with pytest.raises(ImageUnreadable) as caught:
        image_load(data[: len(data) // 2])
    assert caught.value.reason in (DAMAGED, NOT_AN_IMAGE)


def test_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(ImageUnreadable) as caught:
        image_load(_png(size=(400, 300)), max_pixels=100_000)
    assert caught.value.reason == TOO_LARGE


def test_an_animation_gives_its_first_frame():
    frames = [Image.new("RGB", (20, 20), c) for c in ((255, 0, 0), (0, 0, 255))]
    out = BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    image = image_load(out.getvalue())
    assert image.mode == "RGB"
    assert image.getpixel((5, 5))[0] > 200


def test_transparency_reads_as_white():
    out = BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG")
    assert image_load(out.getvalue()).getpixel((3, 3)) == (255, 255, 255)
