"""`kiemchung triage cv` reads a labelled export as the import screen does; bad input gets a
clear message or a documented fallback, never a traceback. The learner's parts: features,
trees saved without pickle, the nested choice."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kiemchung.monitoring import stacking
from kiemchung.monitoring.learner import Learner
from kiemchung.monitoring.postfeatures import DENSE_NAMES, PostMeta, dense_row, meta_reasons
from kiemchung.monitoring.triage_cv import guess_columns, read_labelled

DATA = Path(__file__).resolve().parents[1] / "data" / "triage" / "reintel_format.csv"
KIEMCHUNG = Path(sys.executable).with_name("kiemchung")
COLUMNS = ["post_message", "timestamp_post", "num_like_post", "num_comment_post",
           "num_share_post", "label"]


def _rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _cv(*args: str) -> str:
    out = io.StringIO()
    call_command("triage", "cv", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_reintel_columns_are_guessed():
    mapping = guess_columns(["id", "user_name", *COLUMNS])
    assert mapping == {"text": "post_message", "label": "label", "time": "timestamp_post",
                       "reactions": "num_like_post", "comments": "num_comment_post",
                       "shares": "num_share_post"}
    # The import screen's own names win (a Facebook export).
    assert guess_columns(["message", "likes", "created_time", "is_fake"])["reactions"] == "likes"


def test_engagement_and_unix_times_are_read():
    data = read_labelled(DATA)
    assert len(data.texts) == 40 and sum(data.labels) == 10 and not data.notes
    first = data.metas[0]
    assert first.likes == 1971 and first.shares == 1856
    assert first.published_at == datetime.fromtimestamp(1598630194, tz=UTC)


def test_missing_engagement_columns_are_unknown_not_zero(tmp_path):
    path = _write(tmp_path / "text.csv", _rows(), ["post_message", "label"])
    data = read_labelled(path)
    assert {m.likes for m in data.metas} == {None}
    assert any("no shares column" in note for note in data.notes)
    row = dense_row(data.texts[0], data.metas[0])
    assert np.isnan(row[DENSE_NAMES.index("likes_log")])
    assert np.isnan(row[DENSE_NAMES.index("hour")])


def test_non_numeric_counts_and_dates_in_other_formats(tmp_path):
    rows = _rows()
    rows[0]["num_like_post"] = "nhiều lắm"
    rows[1]["num_share_post"] = "1,2K"
    rows[2]["timestamp_post"] = "05/08/2020 21:15"
    rows[3]["timestamp_post"] = "2020-08-05T21:15:00+07:00"
    rows[4]["timestamp_post"] = "hôm qua"
    rows[5]["timestamp_post"] = ""
    data = read_labelled(_write(tmp_path / "mixed.csv", rows))
    assert data.metas[0].likes is None and data.metas[1].shares == 1200
    assert data.metas[2].published_at is not None and data.metas[2].published_at.day == 5
    assert data.metas[3].published_at is not None
    assert data.metas[4].published_at is None and data.metas[5].published_at is None
    notes = " ".join(data.notes)
    assert "1 values in column 'num_like_post'" in notes
    assert "1 values in column 'timestamp_post' could not be read as a time" in notes


def test_one_class_only_is_a_clear_message(tmp_path):
    rows = [r for r in _rows() if r["label"] == "0"]
    with pytest.raises(CommandError, match="same label"):
        _cv("--data", str(_write(tmp_path / "one.csv", rows)))


def test_three_rows_is_a_clear_message(tmp_path):
    rows = _rows()[:3]
    with pytest.raises(CommandError, match="need at least 5 rows of each label"):
        _cv("--data", str(_write(tmp_path / "three.csv", rows)))


def test_unknown_columns_and_bad_options_are_clear(tmp_path):
    path = _write(tmp_path / "odd.csv", _rows(), ["post_message", "num_like_post"])
    with pytest.raises(CommandError, match="no label column found; give --map label=COLUMN"):
        _cv("--data", str(path))
    with pytest.raises(CommandError, match="no such column"):
        _cv("--data", str(DATA), "--map", "shares=retweets")
    with pytest.raises(CommandError, match="FIELD=COLUMN"):
        _cv("--data", str(DATA), "--map", "shares")
    with pytest.raises(CommandError, match="not numbers"):
        _cv("--data", str(DATA), "--learning-curve", "50,lots")
    rows = _rows()
    rows[0]["label"] = "có lẽ"
    with pytest.raises(CommandError, match="give --label-map"):
        _cv("--data", str(_write(tmp_path / "label.csv", rows)))


def test_the_command_never_shows_a_traceback(tmp_path):
    """Run as a user runs it: the message, exit status 1, no Python traceback."""
    rows = _rows()[:3]
    run = subprocess.run(
        [str(KIEMCHUNG), "triage", "cv", "--data", str(_write(tmp_path / "t.csv", rows))],
        capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KIEMCHUNG_ENV": "test",
             "KIEMCHUNG_VAR_DIR": str(tmp_path / "var")},
    )
    assert run.returncode == 1
    assert "need at least" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow
def test_cv_on_the_reintel_format_with_a_learning_curve(tmp_path):
    result = json.loads(_cv("--data", str(DATA), "--folds", "3",
                            "--learning-curve", "12,400").strip().splitlines()[-1])
    assert result["mapping"]["shares"] == "num_share_post"
    assert set(result["candidates"]) == set(stacking.KINDS)
    assert len(result["chosen"]) == 3 and set(result["chosen"]) <= set(stacking.KINDS)
    assert 0.5 < result["roc_auc"] <= 1 and set(result["baseline"]) == {"roc_auc", "pr_auc"}
    curve = result["learning_curve"]["roc_auc"]
    assert curve["400"] is None and 0 <= curve["12"] <= 1


def test_trees_walked_in_numpy_match_scikit_learn():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 6))
    x[rng.random(x.shape) < 0.2] = np.nan
    y = ((np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 3]) > 0) | np.isnan(x[:, 1])).astype(int)
    model = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(x, y)
    trees = stacking.Trees.from_sklearn(model)
    assert trees.raw(x) == pytest.approx(model.decision_function(x), abs=1e-6)


def _decisions(n: int, seed: int = 1) -> tuple[list[str], list[int], list[PostMeta]]:
    rows = _rows()
    rng = np.random.default_rng(seed)
    texts, labels, metas = [], [], []
    for i in range(n):
        row = rows[int(rng.integers(len(rows)))]
        texts.append(f"{row['post_message']} #{i}")
        labels.append(int(row["label"]))
        metas.append(PostMeta(likes=float(row["num_like_post"]),
                              shares=float(row["num_share_post"]), similarity="none"))
    return texts, labels, metas


def test_every_kind_survives_saving_and_loading():
    texts, labels, metas = _decisions(80)
    for kind in stacking.KINDS:
        trained = Learner().fit(texts, labels, metas, kinds=[kind])
        assert trained.kind == kind and trained.metrics["heldout_auc"] is not None
        loaded = Learner.loads(trained.dumps())
        assert loaded is not None and loaded.kind == kind
        assert loaded.scores(texts[:10], metas[:10]) == pytest.approx(
            trained.scores(texts[:10], metas[:10]), abs=1e-4)


def test_a_version_1_model_is_not_loaded_as_version_2():
    import numpy as np_

    buffer = io.BytesIO()
    np_.savez_compressed(buffer, version=np_.asarray([1]), width=np_.asarray([5]))
    assert Learner.loads(buffer.getvalue()) is None


def test_scoring_a_post_takes_well_under_a_millisecond_beyond_reading_it():
    texts, labels, metas = _decisions(120)
    trained = Learner().fit(texts, labels, metas, kinds=["stacked"])
    corpus = stacking.Corpus.read(texts[:1], metas[:1])
    trained.logits_of(corpus)
    started = time.perf_counter()
    for _ in range(50):
        trained.logits_of(corpus)
    per_post = (time.perf_counter() - started) / 50
    # Generous against a loaded test machine; docs/BENCHMARKS.md has the measured figure.
    assert per_post < 0.02, per_post


def test_signals_are_given_in_words():
    meta = PostMeta(likes=10, shares=1500, comments=3, similarity="same")
    words = {r["code"]: r["words"] for r in meta_reasons(
        "NÓNG NÓNG NÓNG: nước chanh chữa ung thư, share gấp!!! https://x.vn/a", meta)}
    assert words["similar_same"] == "cùng một nhận định đã kiểm chứng"
    assert words["shares"] == "nhiều lượt chia sẻ (1.5k)"
    assert {"shares_over_likes", "share_tail", "caps", "exclamations", "links"} <= set(words)
    assert meta_reasons("Chúc cả nhà ngủ ngon", PostMeta()) == []


SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "vfnd"


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/vfnd is not here (a fresh clone)")
def test_vfnd_in_reintels_columns_holds_the_learners_level(tmp_path):
    """VFND written in ReINTEL's columns, engagement empty: the learner chosen on inner folds
    stays at the level of the learner before it (docs/BENCHMARKS.md has the figures)."""
    csv.field_size_limit(sys.maxsize)
    with (SHARED / "vn_news_226_tlfr.csv").open(encoding="utf-8-sig") as fh:
        rows = [{"post_message": r["text"], "timestamp_post": "", "num_like_post": "",
                 "num_comment_post": "", "num_share_post": "", "label": r["label"]}
                for r in csv.DictReader(fh)]
    path = _write(tmp_path / "reintel_like.csv", rows, COLUMNS)
    result = json.loads(_cv("--data", str(path)).strip().splitlines()[-1])
    assert result["rows"] == 226 and result["mapping"]["text"] == "post_message"
    assert result["roc_auc"] >= 0.93
    assert result["roc_auc"] >= result["before_v2"]["roc_auc"] - 0.01
    assert result["roc_auc"] > result["baseline_plain"]["roc_auc"]
