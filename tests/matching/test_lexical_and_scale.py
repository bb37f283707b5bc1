import json
import math
from collections import Counter

import numpy as np
import pytest

from kiemchung.matching.features import prepare
from kiemchung.matching.lexical import LexicalIndex
from kiemchung.matching.scale import generate_records
from kiemchung.text.tokenize import folded_terms

DOCS = [
    "Giá xăng tăng mạnh từ chiều nay",
    "Giá vàng giảm, giá xăng đứng yên",
    "Hà Nội mưa lớn, nhiều tuyến phố ngập",
    "Mưa lớn ở Hà Nội làm ngập phố, giá rau tăng",
]


def _naive_bm25(docs: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.75):
    n = len(docs)
    avgdl = sum(map(len, docs)) / n
    out = []
    for doc in docs:
        counts = Counter(doc)
        score = 0.0
        for term in set(query):
            df = sum(term in d for d in docs)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = counts[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        out.append(score)
    return np.asarray(out)


def test_lexical_scores_are_bm25_and_follow_removals():
    index = LexicalIndex()
    terms = [folded_terms(d) for d in DOCS]
    for row, t in enumerate(terms):
        index.add(row, t)
    query = folded_terms("gia xang tang")
    scores, upper = index.scores(query, len(DOCS))
    assert np.allclose(scores, _naive_bm25(terms, query), rtol=1e-5)
    assert upper >= scores.max() > 0
    assert index.df("gia") == 3
    index.remove(1)
    index.remove(1)  # removing twice is harmless
    assert index.df("gia") == 2
    scores, _ = index.scores(query, len(DOCS))
    kept = [terms[0], terms[2], terms[3]]
    assert scores[1] == 0
    assert np.allclose(scores[[0, 2, 3]], _naive_bm25(kept, query), rtol=1e-5)
    assert index.idf("never-seen") > index.idf("gia")
    with pytest.raises(ValueError):
        index.add(-1, ["x"])


def test_mixed_accented_and_unaccented_text_is_restored_but_accented_prose_is_not():
    # Five syllables of eleven carry their marks, as when a phone's keyboard drops some.
    mixed = prepare("Hà Nội cấm xe máy vào noi thanh tu thang sau")
    assert mixed.restored and "nội thành từ tháng sau" in mixed.dense
    accented = prepare("Hà Nội cấm xe máy vào nội thành từ tháng sau")
    assert not accented.restored and accented.dense == accented.clean
    assert mixed.words == accented.words


def test_scale_records_are_distinct_short_and_reproducible(tmp_path):
    claims = tmp_path / "vifactcheck" / "train_claims.jsonl"
    claims.parent.mkdir()
    rows = [{"Statement": f"Năm 2023 tỉnh có {n} trường học mới được xây, theo báo cáo của sở"}
            for n in range(30, 60)]
    claims.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\nnot json\n",
                      encoding="utf-8")
    records = list(generate_records(tmp_path, 200))
    assert len(records) == 200
    assert len({rid for rid, _ in records}) == len({text for _, text in records}) == 200
    assert all(4 <= len(text.split()) <= 40 for _, text in records)
    assert records == list(generate_records(tmp_path, 200))
