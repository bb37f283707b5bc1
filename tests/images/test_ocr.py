from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from kiemchung.images import synth
from kiemchung.images.bench import cer
from kiemchung.images.ocr import (
    NO_TEXT,
    READ,
    EngineText,
    OcrEngineError,
    clean_text,
    image_read_text,
    parse_tsv,
)
from kiemchung.images.prepare import prepare

from .conftest import SENTENCES


def _bytes(image: Image.Image, kind: str = "PNG") -> bytes:
    out = BytesIO()
    image.save(out, format=kind, quality=92)
    return out.getvalue()


def test_cer_counts_a_lost_diacritic_and_not_a_line_break():
    assert cer("Hà Nội\nhôm nay", "Hà Nội hôm nay") == 0.0
    assert cer("Hà Nội", "Ha Nội") == pytest.approx(1 / 6)
    assert cer("Hà Nội", "Hà Nội".encode().decode()) == 0.0


@pytest.mark.parametrize("dark", [False, True])
def test_a_phone_screenshot_is_read_with_its_diacritics(engine, dark):
    messages = SENTENCES[:3]
    image = synth.screenshot(messages, face=synth.faces()[0], size=30, dark=dark)
    result = image_read_text(_bytes(image), engine)
    assert result.outcome == READ
    assert cer("\n".join(messages), result.text) <= 0.05
    assert "9:41" not in result.text  # the status bar is cut off


@pytest.mark.parametrize("dark", [False, True])
def test_a_small_forwarded_screenshot_is_enlarged_and_read(engine, dark):
    """A chat picture forwarded at half size and re-saved as JPEG, as chat apps pass it on."""
    messages = SENTENCES[:3]
    image = synth.resized(
        synth.screenshot(messages, face=synth.faces()[0], size=30, dark=dark), 0.5
    )
    prepared = prepare(image)
    assert prepared.image.width >= 2 * image.width - 1
    result = image_read_text(_bytes(image.convert("RGB"), "JPEG"), engine)
    assert cer("\n".join(messages), result.text) <= 0.06


def test_a_photographed_page_is_straightened_and_read(engine):
    import random

    text = " ".join(SENTENCES[3:6])
    page = synth.paper(text, face=synth.faces()[0], size=34)
    photo = synth.photograph(page, random.Random(5))
    assert prepare(photo).skew != 0.0
    result = image_read_text(_bytes(photo, "JPEG"), engine)
    assert result.outcome == READ
    assert cer(text, result.text) <= 0.08


def test_a_picture_without_words_has_no_text(engine):
    image = Image.new("RGB", (640, 480), (30, 120, 60))
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 100, 400, 380), fill=(220, 200, 40))
    assert image_read_text(_bytes(image, "JPEG"), engine).outcome == NO_TEXT


def test_a_file_that_is_not_an_image_gets_its_reason_not_an_exception(engine):
    result = image_read_text(b"GIF89a broken", engine)
    assert result.outcome not in (READ, NO_TEXT)
    assert result.text == ""


class _FailingEngine:
    name = "failing"

    def read(self, image):
        raise OcrEngineError("exit status 1")


def test_an_engine_that_fails_is_an_outcome():
    image = synth.screenshot(SENTENCES[:1], face=synth.faces()[0], size=30, dark=False)
    assert image_read_text(_bytes(image), _FailingEngine()).outcome == "engine_failed"


def test_unsure_words_are_not_text():
    tsv = "level\tp\tb\tpar\tline\tw\tl\tt\tw\th\tconf\ttext\n"
    tsv += "5\t1\t1\t1\t1\t1\t0\t0\t9\t9\t20.5\tBxqr\n5\t1\t1\t1\t1\t2\t0\t0\t9\t9\t30\tvzzk\n"
    read = parse_tsv(tsv)
    assert read == EngineText(text="Bxqr vzzk", confidence=pytest.approx(25.25))
    assert clean_text("Một dòng\n~ —— —¬\n\n") == "Một dòng"


@pytest.mark.skipif(
    not Path("../shared/data/vifactcheck/dev_split.jsonl").exists(),
    reason="../shared/data is not here",
)
def test_sentences_of_the_shared_data_make_a_bench_set(tmp_path):
    sentences = synth.sentences_from(Path("../shared/data/vifactcheck/dev_split.jsonl"), limit=20)
    assert len(sentences) == 20
    names = synth.write_ocr_set(tmp_path, sentences, count=2)
    assert len(names) == 4
    for name in names:
        assert (tmp_path / f"{name}.txt").read_text(encoding="utf-8").strip()
