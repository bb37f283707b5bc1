import json
from pathlib import Path

import pytest

from kiemchung.matching import PairScorer, Thresholds, cli_match
from kiemchung.matching.bench import main as bench_main
from kiemchung.matching.decision import NONE, SAME
from kiemchung.matching.noise import strip_accents

SHARED = Path(__file__).resolve().parents[2] / "../shared/data"

CLAIM = "Uống nước chanh ấm mỗi sáng giúp chữa khỏi bệnh ung thư."
PARAPHRASE = "Người ta đồn rằng ung thư sẽ khỏi hẳn nếu sáng nào cũng uống một cốc chanh ấm."
SAME_TOPIC = "Bệnh viện ung bướu tiếp nhận thêm máy xạ trị mới để điều trị cho bệnh nhân ung thư."


@pytest.fixture(scope="module")
def scorer(embedder):
    return PairScorer(embedder=embedder)


def test_paraphrase_is_same_claim(scorer):
    suggest = Thresholds().suggest
    assert scorer.score(CLAIM, PARAPHRASE) >= suggest
    assert scorer.score(CLAIM, SAME_TOPIC) < suggest


def test_unaccented_paraphrase_is_same_claim(built_index, embedder):
    # As in a workspace: the restorer and term statistics come from its own records.
    workspace = PairScorer(embedder=embedder, restorer=built_index.restorer,
                           stats=built_index.lexical)
    assert workspace.score(strip_accents(PARAPHRASE), CLAIM) >= Thresholds().suggest


def test_unaccented_same_topic_text_is_not_same_claim(built_index, embedder):
    workspace = PairScorer(embedder=embedder, restorer=built_index.restorer,
                           stats=built_index.lexical)
    assert workspace.score(strip_accents(SAME_TOPIC), CLAIM) < Thresholds().suggest
    decisions = workspace.decide_many([(strip_accents(SAME_TOPIC), CLAIM), (SAME_TOPIC, CLAIM)])
    assert [d.label for d in decisions] == [NONE, NONE]


@pytest.mark.xfail(strict=True, reason="known limit (docs/MATCHING.md): a paraphrase that shares "
                   "few words with the claim gets a same-claim score of about 0.5; it is decided "
                   "related, so the tipline sends it as reading, not as a verdict")
def test_paraphrase_decided_same_claim_with_or_without_diacritics(built_index, embedder):
    workspace = PairScorer(embedder=embedder, restorer=built_index.restorer,
                           stats=built_index.lexical)
    decisions = workspace.decide_many([(PARAPHRASE, CLAIM), (strip_accents(PARAPHRASE), CLAIM)])
    assert [d.label for d in decisions] == [SAME, SAME], decisions


def test_empty_side_scores_zero(scorer):
    assert scorer.score("", CLAIM) == 0.0
    assert scorer.score(CLAIM, "   ") == 0.0


def _write(path: Path, lines: list[str]) -> Path:
    path.write_bytes("\n".join(lines).encode() + b"\n")
    return path


def test_malformed_jsonl_line_reported_with_line_number(tmp_path, fact_checks, capsys,
                                                        cache_file):
    corpus = _write(tmp_path / "c.jsonl", [json.dumps({"id": k, "text": v}, ensure_ascii=False)
                                           for k, v in fact_checks.items()])
    queries = tmp_path / "q.jsonl"
    queries.write_bytes(
        json.dumps({"id": "q1", "text": "Ha Noi cam xe may vao noi thanh",
                    "relevant": ["fc-motorbike"]}).encode() + b"\n"
        + b"{not json\n"
        + b'{"id": "q3", "text": "\xff\xfe broken", "relevant": ["fc-rice"]}\n'
        + json.dumps({"id": "q4", "text": "gao nhua", "relevant": ["fc-nowhere"]}).encode()
        + b"\n" + json.dumps({"id": "q5", "text": "gạo nhựa ở chợ",
                              "relevant": ["fc-rice"]}, ensure_ascii=False).encode() + b"\n"
    )
    code = bench_main(["match", "--corpus", str(corpus), "--queries", str(queries),
                       "--cache", str(cache_file)])
    out = capsys.readouterr()
    assert code == 0
    assert f"{queries}:2: not JSON" in out.err
    assert f"{queries}:3: invalid UTF-8" in out.err
    assert f"{queries}:4: none of the relevant ids" in out.err
    result = json.loads(out.out.strip().splitlines()[-1])
    assert result["queries"] == 2
    assert result["mrr"] == 1.0
    assert {"recall@1", "recall@5", "recall@10", "index_seconds", "query_p50_ms",
            "query_p95_ms", "queries_per_second"} <= result.keys()
    # Several query files are ranked against one index, one result line each.
    wrong = _write(tmp_path / "w.jsonl", [json.dumps({"id": "w", "text": "gạo nhựa ở chợ",
                                                      "relevant": ["fc-fuel"]},
                                                     ensure_ascii=False)])
    code = bench_main(["match", "--corpus", str(corpus), "--queries", str(queries), str(wrong),
                       "--cache", str(cache_file)])
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert code == 0
    assert [r["file"] for r in lines] == [str(queries), str(wrong)]
    assert lines[0]["mrr"] == 1.0 and lines[1]["mrr"] < 1.0


def test_bench_without_usable_input_says_so(tmp_path, capsys):
    missing = tmp_path / "missing.jsonl"
    assert bench_main(["match", "--corpus", str(missing), "--queries", str(missing)]) == 1
    assert "cannot read" in capsys.readouterr().err
    empty = _write(tmp_path / "e.jsonl", ["", "[1, 2]"])
    assert bench_main(["pairs", "--pairs", str(empty), "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert "e.jsonl:2: not a JSON object" in err and "no usable line" in err
    assert bench_main(["nonsense"]) == 2


def test_bench_pairs_reports_auc_and_f1(tmp_path, capsys, cache_file):
    rows = [{"a": CLAIM, "b": PARAPHRASE, "label": 1}, {"a": CLAIM, "b": SAME_TOPIC, "label": 0},
            {"a": strip_accents(CLAIM), "b": PARAPHRASE, "label": 1}]
    pairs = _write(tmp_path / "p.jsonl", [json.dumps(r, ensure_ascii=False) for r in rows])
    assert bench_main(["pairs", "--pairs", str(pairs), "--cache", str(cache_file)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["pairs"] == 3
    assert result["roc_auc"] == 1.0
    # Every share of the three answers is reported, each from the decisions it names.
    for name in ("same", "related"):
        assert {f"precision_at_{name}", f"recall_at_{name}", f"negatives_at_{name}"} <= set(result)
    assert result["negatives_at_related"] == 0.0  # the text on another story is not related
    assert result["negatives_at_same"] == 0.0


def test_match_command_prints_best_match(tmp_path, fact_checks, capsys, cache_file):
    corpus = _write(tmp_path / "c.jsonl", [json.dumps({"id": k, "text": v}, ensure_ascii=False)
                                           for k, v in fact_checks.items()])
    code = cli_match(["ca si noi tieng qua doi vi tai nan", "--corpus", str(corpus), "--k", "2",
                      "--cache", str(cache_file)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and len(lines) == 2
    assert json.loads(lines[0])["id"] == "fc-singer"


@pytest.mark.skipif(not (SHARED / "bench").exists(), reason="../shared/data is absent")
def test_unaccented_bench_queries_find_their_records(embedder):
    from kiemchung.matching import HybridIndex

    corpus = {r["id"]: r["text"] for r in map(json.loads, (SHARED / "bench/match_corpus.jsonl")
                                               .read_text(encoding="utf-8").splitlines())}
    queries = [json.loads(line) for line in (SHARED / "bench/match_queries_unaccented.jsonl")
               .read_text(encoding="utf-8").splitlines()[:25]]
    wanted = {rid for q in queries for rid in q["relevant"]}
    ids = sorted(wanted) + [rid for rid in corpus if rid.startswith("news-")][:40]
    index = HybridIndex(embedder=embedder)
    index.add_many([(rid, corpus[rid]) for rid in ids])
    hits = sum(index.search(q["text"], k=1)[0].id in q["relevant"] for q in queries)
    assert hits >= 22
