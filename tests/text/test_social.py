from kiemchung.text import (
    clean_post,
    expand_abbreviations,
    key_distance,
    minhash,
    near_duplicate_key,
    near_duplicate_similarity,
    split_hashtag,
)


def test_teencode_is_expanded():
    assert expand_abbreviations("ko dc chia se nha mn") == "không được chia se nha mọi người"
    assert expand_abbreviations("Ko biết j vs ng ta") == "Không biết gì với người ta"


def test_units_urls_and_initials_are_not_abbreviations():
    assert expand_abbreviations("Giá 10k, xem vnexpress.net/k") == "Giá 10k, xem vnexpress.net/k"
    assert expand_abbreviations("Anh K. nói") == "Anh K. nói"


def test_kg_and_k_after_a_count_are_units_not_khong():
    # "kg" is teencode for "không" only where nothing counts it: a price per kilogram once read
    # as a negation made two restatements of one rice price conflict.
    for text in ("Giá gạo ST25 đã tăng lên 40.000 đồng mỗi kg.", "Mỗi kg gạo 30 nghìn",
                 "mua 2 kg thịt", "ly trà 50 k một ly", "một kg muối"):
        assert expand_abbreviations(text) == text, text
    assert expand_abbreviations("kg có gì đâu, k biết") == "không có gì đâu, không biết"


def test_workspace_table_extends_and_overrides():
    assert expand_abbreviations("ubnd xã và ko", {"ubnd": "ủy ban nhân dân", "ko": "không hề"}) \
        == "ủy ban nhân dân xã và không hề"


def test_post_is_reduced_to_its_claim():
    post = clean_post(
        "😱😱 Uống nước chanh chữa khỏi ung thư!!! @ban_be https://example.com/a #VắcXin "
        "SHARE GẤP mọi người ơi"
    )
    assert post.text == "Uống nước chanh chữa khỏi ung thư! Vắc Xin mọi người ơi"
    assert post.urls == ["https://example.com/a"]
    assert post.mentions == ["@ban_be"]
    assert post.hashtags == ["VắcXin"]
    assert "😱" in post.emojis


def test_repeated_letters_are_squeezed():
    assert clean_post("sốcccc quáaaaa").text == "sốc quá"


def test_hashtag_split_with_known_syllables():
    vocab = frozenset({"tin", "gia", "chia", "se"})
    assert split_hashtag("tingiachiase", vocab) == "tin gia chia se"
    assert split_hashtag("CanhBao") == "Canh Bao"


def test_reshared_copy_is_a_near_duplicate():
    original = "Bộ Y tế khẳng định vắc xin an toàn cho trẻ em, mọi tin đồn đều sai sự thật"
    copy = "bo y te khang dinh vac xin an toan cho tre em, moi tin don deu sai su that 😱"
    other = "Giá xăng dầu trong nước được điều chỉnh theo chu kỳ mười ngày một lần"
    assert near_duplicate_similarity(original, copy) == 1.0
    assert near_duplicate_similarity(original, other) < 0.1
    assert key_distance(near_duplicate_key(original), near_duplicate_key(copy)) == 0
    assert key_distance(near_duplicate_key(original), near_duplicate_key(other)) > 10
    assert minhash(original).jaccard(minhash(copy)) == 1.0
