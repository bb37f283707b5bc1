"""Monitoring's file imports take any file: a bad one is refused with ImportError_ (a message
for the user) or its bad rows are reported, and what was stored is what the summary says."""

from __future__ import annotations

import csv
import io
import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import any_text, json_values, mutated, raw_bodies
from tests.monitoring.stories import source

from kiemchung.monitoring import importers
from kiemchung.monitoring.models import ImportJob, Item
from kiemchung.monitoring.readers import ImportError_

POST = {
    "message": "Nóng: từ tháng sau xe máy trên 10 năm tuổi bị cấm, share ngay!!!",
    "permalink_url": "https://facebook.com/nhom/posts/1",
    "created_time": "2026-12-01T08:00:00+0000",
    "reactions": 120,
}

_names = itertools.count()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["message", "permalink_url", "created_time"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


files = st.one_of(
    st.tuples(st.sampled_from(["csv", "json", "jsonl"]), raw_bodies()),
    st.tuples(
        st.just("jsonl"),
        st.lists(mutated(POST), max_size=6).map(
            lambda rows: b"\n".join(
                json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass") for r in rows
            )
        ),
    ),
    st.tuples(
        st.just("json"),
        st.one_of(st.lists(mutated(POST), max_size=6), json_values).map(
            lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")
        ),
    ),
    st.tuples(
        st.just("csv"),
        st.lists(st.lists(any_text, min_size=0, max_size=4), max_size=6).map(_csv),
    ),
)


@pytest.fixture
def feed(team):
    return source(team)


@given(files)
def test_any_file_is_imported_or_refused_with_a_message(team, feed, tmp_path, file):
    fmt, content = file
    path = tmp_path / f"xuat-{next(_names)}.{fmt}"
    path.write_bytes(content)
    items, jobs = Item.objects.count(), ImportJob.objects.count()
    try:
        shown = importers.preview(path, fmt=fmt)
        job = importers.import_create(
            workspace=team.workspace,
            source=feed,
            path=path,
            original_name=path.name,
            fmt=fmt,
            mapping=shown.mapping,
        )
        job = importers.import_run(job)
    except ImportError_ as exc:
        assert exc.message
        assert (Item.objects.count(), ImportJob.objects.count()) == (items, jobs)
        return
    summary = importers.import_summary(job)
    assert Item.objects.count() - items == summary["added"]
    for problem in summary["problems"]:
        assert problem["line"] >= 1 and problem["message"]
