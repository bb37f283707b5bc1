"""The triage learner's speed-ups change no figure: reading posts and fitting candidates on two
cores gives what one process gives, posts kept from the last retraining are what reading them
again gives, the hashed columns are the hashing vectorizers' own, and a post scored as it comes
in gets the score a batch gives it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from kiemchung.monitoring import learner_cache, learner_pool, stacking
from kiemchung.monitoring.learner import Learner, Scorer
from kiemchung.monitoring.learner_cache import PostCache
from kiemchung.monitoring.postfeatures import PostMeta
from kiemchung.monitoring.triage import prepare_for_cues

DATA = Path(__file__).resolve().parents[1] / "data" / "triage" / "reintel_format.csv"
KIEMCHUNG = Path(sys.executable).with_name("kiemchung")


def _decisions(n: int, seed: int = 3) -> tuple[list[str], list[int], list[PostMeta]]:
    with DATA.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rng = np.random.default_rng(seed)
    texts, labels, metas = [], [], []
    for i in range(n):
        row = rows[int(rng.integers(len(rows)))]
        texts.append(f"{row['post_message']} #{i}")
        labels.append(int(row["label"]))
        metas.append(PostMeta(
            likes=float(row["num_like_post"]), comments=float(row["num_comment_post"]),
            shares=float(row["num_share_post"]),
            published_at=datetime.fromtimestamp(int(row["timestamp_post"]), tz=UTC),
            similarity="related" if i % 7 == 0 else "none"))
    return texts, labels, metas


def _exit_unless_in(pid: int) -> str:
    """Kills the process it runs in unless that is `pid`: a helper dying mid-retraining."""
    if os.getpid() != pid:
        os._exit(3)
    return "done"


def test_the_helper_takes_work_and_results_come_back_in_order():
    with learner_pool.helper_pool() as spread:
        # The helper takes from the end of the list; the first call stays here.
        results = spread([partial(time.sleep, 0.5), os.getpid])
    assert results[0] is None
    assert isinstance(results[1], int) and results[1] != os.getpid()


def test_work_a_dying_helper_took_is_done_here():
    with learner_pool.helper_pool() as spread:
        results = spread([partial(time.sleep, 0.1), partial(_exit_unless_in, os.getpid())])
    assert results == [None, "done"]


def test_no_helper_for_small_work():
    with learner_pool.helper_pool(False) as spread:
        assert spread is learner_pool.in_turn


def test_two_cores_read_and_choose_as_one_does(monkeypatch):
    texts, labels, metas = _decisions(90)
    y = np.asarray(labels)
    rows = np.arange(len(y))
    alone = stacking.Corpus.read(texts, metas)
    monkeypatch.setattr(stacking, "READ_CHUNK", 16)  # several chunks, so both cores read
    with learner_pool.helper_pool() as spread:
        shared = stacking.Corpus.read(texts, metas, spread=spread)
        choice = stacking.choose(shared, y, rows, spread=spread,
                                 alongside=[partial(stacking.fit_text, shared.counts,
                                                    shared.dense, y)])
        stacked = stacking.fit_kind("stacked", shared.counts, shared.dense, y, spread=spread)
    assert (alone.counts != shared.counts).nnz == 0
    assert np.array_equal(alone.dense, shared.dense, equal_nan=True)
    in_turn = stacking.choose(alone, y, rows)
    assert choice.kind == in_turn.kind and choice.figures == in_turn.figures
    assert set(choice.figures) == set(stacking.KINDS)
    text = stacking.fit_text(alone.counts, alone.dense, y)
    assert np.array_equal(choice.alongside[0].coef, text.coef)
    expected = stacking.fit_kind("stacked", alone.counts, alone.dense, y)
    assert np.array_equal(stacked.logits(alone.counts, alone.dense),
                          expected.logits(alone.counts, alone.dense))


def test_hashed_columns_are_the_hashing_vectorizers_own():
    """The three blocks hashed in one call: the columns of the three vectorizers side by side,
    as the learner read them before."""
    from scipy import sparse

    texts = [*_decisions(30)[0], "", "a", "Ờ ừ  :) https://x.vn"]
    prepared = [prepare_for_cues(t) for t in texts]
    words_a, words_f, chars = stacking._hashers()
    expected = sparse.hstack([words_a.transform([c.lower() for c, _f in prepared]),
                              words_f.transform([f for _c, f in prepared]),
                              chars.transform([f for _c, f in prepared])], format="csr")
    counts = stacking.counts_of(prepared)
    assert counts.shape == expected.shape and (counts != expected).nnz == 0
    columns, values = stacking.post_columns(prepared[3])
    row = expected[3]
    assert np.array_equal(columns, row.indices) and np.array_equal(values, row.data)


@pytest.mark.parametrize("kind", stacking.KINDS)
def test_a_post_scored_as_it_comes_in_gets_the_batch_score(kind):
    texts, labels, metas = _decisions(80)
    learner = Learner().fit(texts, labels, metas, kinds=[kind])
    assert learner.kind == kind
    scorer = Scorer(learner, "test")
    fresh = [f"{t} mới" for t in texts[:25]] + ["", "NÓNG!!! share gấp"]
    fresh_metas = [*metas[:25], None, PostMeta()]
    batch = learner.scores(fresh, fresh_metas)
    one_by_one = [scorer.judge(t, m).learned for t, m in zip(fresh, fresh_metas, strict=True)]
    assert one_by_one == pytest.approx(list(batch), rel=1e-12, abs=1e-12)


def test_bench_triage_reports_the_cpu_of_both_processes(tmp_path):
    run = subprocess.run(
        [str(KIEMCHUNG), "bench", "triage", "--data", str(DATA), "--decisions", "60",
         "--posts", "10"],
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KIEMCHUNG_ENV": "test",
             "KIEMCHUNG_VAR_DIR": str(tmp_path / "var")},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["decisions"] == 60 and result["kind"] in stacking.KINDS
    # Sixty decisions are read in this process alone.
    assert result["retrain_cpu_seconds_helper"] == 0
    assert result["retrain_cpu_seconds"] == result["retrain_cpu_seconds_here"] > 0
    assert len(result["load_average"]) == 2
    # Ten decisions later only their posts are read.
    assert result["posts_read"] == 60 and result["next_posts_read"] == 10
    assert result["next_retrain_seconds"] > 0
    assert result["score_cpu_ms_added_p50"] > 0  # the learner reads the words on top


def test_a_retraining_reads_only_the_posts_it_has_not_read_before(tmp_path):
    texts, _labels, metas = _decisions(70)
    cache = PostCache(tmp_path / "posts.npz")
    stacking.Corpus.read(texts[:60], metas[:60], cache=cache)
    assert (cache.kept, cache.read_now) == (0, 60)
    # Ten new decisions come first; the oldest five drop out; likes and shares have moved.
    later = [*texts[60:], *texts[:55]]
    moved = [PostMeta(likes=(m.likes or 0) + 10, shares=m.shares, similarity="same")
             for m in [*metas[60:], *metas[:55]]]
    again = stacking.Corpus.read(later, moved, cache=cache)
    assert (cache.kept, cache.read_now) == (55, 10)
    fresh = stacking.Corpus.read(later, moved)
    assert (again.counts != fresh.counts).nnz == 0
    assert np.array_equal(again.dense, fresh.dense, equal_nan=True)
    # The file holds exactly the posts of the last retraining: those dropped are read again.
    stacking.Corpus.read(texts[52:60], metas[52:60], cache=cache)
    assert (cache.kept, cache.read_now) == (3, 5)


def test_a_file_from_other_reading_code_or_broken_is_read_again(tmp_path, monkeypatch):
    texts, _labels, metas = _decisions(20)
    path = tmp_path / "posts.npz"
    cache = PostCache(path)
    stacking.Corpus.read(texts, metas, cache=cache)
    monkeypatch.setattr(learner_cache, "reading_fingerprint", lambda: "other code")
    stacking.Corpus.read(texts, metas, cache=cache)
    assert (cache.kept, cache.read_now) == (0, 20)
    written = path.read_bytes()
    for broken in (b"not a file of ours", written[:len(written) // 2]):
        path.write_bytes(broken)
        corpus = stacking.Corpus.read(texts, metas, cache=cache)
        assert (cache.kept, cache.read_now) == (0, 20) and len(corpus) == 20
    stacking.Corpus.read(texts, metas, cache=cache)  # written afresh, and read back
    assert (cache.kept, cache.read_now) == (20, 0)


def test_the_fingerprint_covers_the_code_that_reads_a_post():
    names = set(learner_cache.READING_MODULES)
    # Every module of this project that the cleaning, cues and hashing run through.
    assert {"kiemchung.text.normalize", "kiemchung.text.social", "kiemchung.text.abbreviations",
            "kiemchung.monitoring.triage", "kiemchung.monitoring.postfeatures",
            "kiemchung.monitoring.stacking"} <= names
    assert len(learner_cache.reading_fingerprint()) == 32
