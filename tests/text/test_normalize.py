import time
import unicodedata

from kiemchung.text import accent_ratio, content_hash, fold, normalize, tokenize


def test_both_tone_mark_conventions_become_one():
    assert normalize("Hoà bình, thuỷ điện, khoẻ mạnh") == "Hòa bình, thủy điện, khỏe mạnh"
    assert normalize("HOÀ") == normalize("HÒA")
    assert normalize("hoàng quý giữ") == "hoàng quý giữ"


def test_decomposed_input_is_composed():
    decomposed = unicodedata.normalize("NFD", "Tiếng Việt")
    assert decomposed != "Tiếng Việt"
    assert normalize(decomposed) == "Tiếng Việt"


def test_zero_width_control_and_lookalike_characters_are_removed():
    # Cyrillic "і" and "а" inside Latin words, zero-width spaces, a BEL control character.
    assert normalize("Vіệt\u200bNam\u2060 h\u0430y\x07  quá") == "ViệtNam hay quá"
    assert normalize("Москва") == "Москва"


def test_empty_whitespace_and_invalid_code_points():
    assert normalize("") == ""
    assert normalize(" \n\t ") == ""
    assert normalize("a\ud800b") == "ab"


def test_fold_strips_diacritics_and_d_stroke():
    assert fold("Đà Nẵng ĐANG mưa") == "da nang dang mua"
    assert fold("thủy") == fold("thuỷ") == "thuy"


def test_content_hash_ignores_encoding_differences():
    a = content_hash("Hoà bình\u200b")
    assert a == content_hash(unicodedata.normalize("NFD", "Hòa  bình"))
    assert a != content_hash("Hòa bình!")


def test_accent_ratio_tells_unaccented_text():
    assert accent_ratio("Người dân không được chia sẻ tin giả") > 0.6
    assert accent_ratio("Nguoi dan khong duoc chia se tin gia") == 0.0


def test_megabyte_text_is_handled_quickly():
    text = "Người dân cần tỉnh táo trước tin giả. " * 27000
    started = time.perf_counter()
    assert len(normalize(text)) > 900_000
    assert time.perf_counter() - started < 10


def test_tokenize_segments_vietnamese_words():
    words = tokenize("Người dân Hà Nội cần tỉnh táo!")
    assert "hà nội" in words
    assert "!" not in words
    assert tokenize("") == []
