"""Same claim, related or none: a conflicting key fact rules out the same claim, whatever the
scores; the reasons come with every decision; no input ends in a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiemchung.matching import HybridIndex
from kiemchung.matching.bench import decision_metrics
from kiemchung.matching.bench import main as bench_main
from kiemchung.matching.decision import NONE, RELATED, SAME
from kiemchung.matching.pairs import PairScorer
from kiemchung.text.contrasts import absolutes, contrasts

EBIKE = "Không có quy định phạt 2 triệu đồng với xe đạp điện không đội mũ bảo hiểm"
DOG = "tu thang 1/2027 nuoi cho khong ro mom bi phat 3 trieu dong"
OLD_BIKES = (
    "Từ ngày 1/1/2027, xe máy đã dùng quá 10 năm sẽ bị cấm lưu thông trong nội thành Hà Nội"
)
OLD_BIKES_OTHER_YEAR = "Hà Nội cấm xe máy đã dùng quá 10 năm vào nội thành từ năm 2030"
# The rumour passed on, as tips and posts do; and said again in other words.
OLD_BIKES_FORWARDED = (
    "Mọi người ơi, tu ngay 1/1/2027 xe may da dung qua 10 nam se bi cam luu thong trong noi "
    "thanh Ha Noi, có đúng không? share gấp"
)
OLD_BIKES_AGAIN = (
    "Nghe nói từ 1/1/2027 xe máy chạy quá 10 năm bị cấm đi vào nội thành Hà Nội, đúng không?"
)


@pytest.fixture(scope="module")
def ebike_index(embedder):
    index = HybridIndex(embedder=embedder)
    index.add_many([("fc-ebike", EBIKE), ("fc-old-bikes", OLD_BIKES)])
    return index


def _decision(index, text, record):
    found = {m.id: m for m in index.search(text, k=5)}
    return found[record].decision if record in found else None


def test_a_conflicting_amount_or_year_rules_out_the_same_claim(ebike_index):
    dog = _decision(ebike_index, DOG, "fc-ebike")
    assert dog is None or dog.label != SAME
    other_year = _decision(ebike_index, OLD_BIKES_OTHER_YEAR, "fc-old-bikes")
    assert other_year is not None and other_year.label != SAME
    assert [(c.kind, c.left, c.right) for c in other_year.conflicts if c.kind == "year"] == [
        ("year", "2027", "năm 2030")
    ]


def test_the_same_claim_passed_on_is_the_same_claim(ebike_index):
    again = _decision(ebike_index, OLD_BIKES_FORWARDED, "fc-old-bikes")
    assert again is not None and again.label == SAME, again
    assert not again.conflicts
    assert {f.kind for f in again.shared} >= {"year", "place"}


@pytest.mark.xfail(strict=True, reason="known limit (docs/MATCHING.md): a claim said again in "
                   "other words scores just under the same-claim threshold (0.61 against 0.614); "
                   "83% of held-out restatements are decided the same claim")
def test_the_same_claim_reworded_is_the_same_claim(ebike_index):
    again = _decision(ebike_index, OLD_BIKES_AGAIN, "fc-old-bikes")
    assert again is not None and again.label == SAME, again


def test_pairs_get_a_decision_with_reasons_whatever_the_input(embedder):
    scorer = PairScorer(embedder=embedder)
    odd = [
        ("chó", EBIKE),
        ("x" * 2000, EBIKE),
        ("Phạt 2.000.000đ, 2tr hay hai triệu? Штраф 2 миллиона 罚款", EBIKE),
        ("\x00\ud800 phạt", EBIKE),
        ("", EBIKE),
        ("Trời hôm nay đẹp", "Hôm nay trời đẹp"),  # no key fact at all
        (" ".join(["xe đạp điện bị phạt 3 triệu đồng"] * 60), EBIKE),
    ]
    decisions = scorer.decide_many(odd)
    assert len(decisions) == len(odd)
    assert all(d.label in (SAME, RELATED, NONE) for d in decisions)
    assert decisions[4].label == NONE  # an empty side decides nothing
    assert decisions[-1].label != SAME and any(c.kind == "money" for c in decisions[-1].conflicts)


def test_opposite_and_absolute_words_are_found_both_ways():
    found = contrasts("Bộ Quốc phòng Nga đã bác cáo buộc", "Nga đã đồng ý với cáo buộc")
    assert [(c.left, c.right) for c in found] == [("bác", "đồng ý")]
    assert contrasts("giá xăng tăng", "giá xăng tăng mạnh") == []
    overstated = absolutes("Một số mẫu xe bị lỗi", "Chỉ có mẫu xe này là duy nhất bị lỗi")
    assert overstated == ["duy nhất", "chỉ có"]


def test_decision_metrics_count_unanswerable_queries():
    ranked = [["a"], ["b"], ["c"], ["d"]]
    relevant = [{"a"}, {"x"}, set(), set()]
    tops = [RELATED, SAME, SAME, NONE]
    out = decision_metrics(ranked, relevant, tops)
    assert out == {"answerable": 2, "unanswerable": 2, "false_same_rate": 0.5,
                   "false_related_rate": 0.5, "answered_rate": 0.5}


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def test_bench_match_takes_unanswerable_queries_and_a_corpus_sample(tmp_path, fact_checks,
                                                                  capsys, cache_file):
    corpus = _write(tmp_path / "c.jsonl", [{"id": k, "text": v} for k, v in fact_checks.items()])
    queries = _write(tmp_path / "q.jsonl", [
        {"id": "q1", "text": "gạo nhựa bán ở chợ là thật", "relevant": ["fc-rice"]},
        {"id": "q2", "text": "Bão số 3 sẽ đổ bộ vào Quảng Ninh tối nay", "relevant": []},
    ])
    args = ["match", "--corpus", str(corpus), "--queries", str(queries), "--cache",
            str(cache_file)]
    assert bench_main(args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (out["answerable"], out["unanswerable"]) == (1, 1)
    assert out["false_same_rate"] == 0.0
    assert out["queries"] == 2

    assert bench_main([*args, "--corpus-sample", "3", "--seed", "1"]) == 0
    sampled = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sampled["records"] == 3
    assert sampled["answerable"] + sampled["unanswerable"] == 2
    assert bench_main([*args, "--corpus-sample", "99"]) == 1
    assert "--corpus-sample must be between 1 and 12" in capsys.readouterr().err
