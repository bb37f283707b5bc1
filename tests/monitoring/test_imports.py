"""File imports: mapping the common exports, bad rows by line, re-imports, cancel and resume,
and memory that does not grow with the file."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import call_command

from kiemchung.monitoring import importers, services
from kiemchung.monitoring.models import ImportJob, ImportStatus, Item, Sighting

from .generated import posts, write_csv, write_jsonl
from .stories import source

pytestmark = pytest.mark.django_db


def _ingest(*args: str) -> dict:
    out = io.StringIO()
    call_command("ingest", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_reimport_adds_nothing_twice(team, tmp_path):
    path = write_csv(tmp_path / "nhom.csv", posts(40))
    first = _ingest(str(path), "--workspace", team.workspace.slug)
    items, sightings = Item.objects.count(), Sighting.objects.count()
    again = _ingest(str(path), "--workspace", team.workspace.slug)
    assert first["rows"] == again["rows"] == 40
    assert first["added"] + first["folded"] == 40
    assert first["folded"] > 0  # the generated reshares
    assert (again["added"], again["folded"], again["repeated"]) == (0, 0, 40)
    assert (Item.objects.count(), Sighting.objects.count()) == (items, sightings)


def test_malformed_row_reported_with_line_number(team, tmp_path):
    path = tmp_path / "bai-dang.jsonl"
    rows = [json.dumps(r, ensure_ascii=False) for r in posts(6, duplicate_share=0)]
    rows.insert(2, '{"text": "Bộ Y tế xác nhận", "url": ')  # line 3: cut short
    rows.insert(4, '{"url": "https://facebook.com/p/1"}')  # line 5: no text
    rows.insert(5, '["một", "danh sách"]')  # line 6: not an object
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = _ingest(str(path), "--workspace", team.workspace.slug)
    job = ImportJob.objects.get()
    problems = importers.import_summary(job)["problems"]
    assert [p["line"] for p in problems] == [3, 5, 6]
    assert "JSON" in problems[0]["message"]
    assert "text" in problems[1]["message"]
    assert summary["added"] == 6 and summary["bad_rows"] == 3


def test_csv_row_with_wrong_columns_is_reported_and_the_rest_imported(team, tmp_path):
    path = write_csv(tmp_path / "xuat.csv", posts(5, duplicate_share=0))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "chỉ,có,ba")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = _ingest(str(path), "--workspace", team.workspace.slug)
    problems = importers.import_summary(ImportJob.objects.get())["problems"]
    assert problems == [{"line": 4, "message": "có 3 cột, tiêu đề có 6"}]
    assert summary["added"] == 5


def test_an_unterminated_quote_costs_one_line_not_the_rest_of_the_file(team, tmp_path):
    path = write_csv(tmp_path / "xuat.csv", posts(8, duplicate_share=0))
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(1, '"Tin đồn có dấu ngoặc kép không bao giờ đóng,https://facebook.com/p/x')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    summary = _ingest(str(path), "--workspace", team.workspace.slug)

    problems = importers.import_summary(ImportJob.objects.get())["problems"]
    assert [p["line"] for p in problems] == [2]
    assert summary["added"] == 8 and summary["bad_rows"] == 1


def test_a_quoted_text_over_several_lines_is_still_one_record(team, tmp_path):
    path = tmp_path / "nhieu-dong.csv"
    path.write_text(
        "text,url\n"
        '"Dòng một của bài đăng\ndòng hai, có dấu phẩy\ndòng ba",https://facebook.com/p/1\n'
        "Bài thứ hai nói về giá xăng tăng mạnh,https://facebook.com/p/2\n",
        encoding="utf-8",
    )
    summary = _ingest(str(path), "--workspace", team.workspace.slug)
    assert (summary["rows"], summary["added"], summary["bad_rows"]) == (2, 2, 0)
    assert Item.objects.filter(text__contains="Dòng một", text__endswith="dòng ba").exists()


def test_a_30_mb_line_is_one_bad_line_and_the_others_go_in(team, tmp_path):
    path = tmp_path / "khong-lo.jsonl"
    rows = [json.dumps(r, ensure_ascii=False) for r in posts(6, duplicate_share=0)]
    huge = json.dumps({"text": "x" * (30 * 1024 * 1024)})
    with path.open("w", encoding="utf-8") as out:
        out.write(huge + "\n" + "\n".join(rows[:3]) + "\n" + huge + "\n")
        out.write("\n".join(rows[3:]) + "\n")

    summary = _ingest(str(path), "--workspace", team.workspace.slug)

    problems = importers.import_summary(ImportJob.objects.get())["problems"]
    assert [p["line"] for p in problems] == [1, 5]
    assert all("MB" in p["message"] for p in problems)
    assert summary["added"] == 6 and summary["bad_rows"] == 2


def test_random_bytes_are_refused_with_a_message_and_leave_nothing(team, tmp_path):
    import random

    from django.core.management.base import CommandError

    from kiemchung.monitoring.models import Source

    path = tmp_path / "du-lieu.csv"
    path.write_bytes(random.Random(7).randbytes(20_000))
    with pytest.raises(CommandError) as refused:
        _ingest(str(path), "--workspace", team.workspace.slug)
    assert "không phải là tệp văn bản" in str(refused.value)
    assert not Source.objects.exists() and not ImportJob.objects.exists()


def test_random_bytes_through_the_command_line_print_no_traceback(tmp_path):
    import os
    import random
    import subprocess
    import sys

    path = tmp_path / "xuat"
    path.write_bytes(random.Random(11).randbytes(5_000))
    done = subprocess.run(
        [str(Path(sys.executable).with_name("kiemchung")), "ingest", str(path)],
        env={**os.environ, "KIEMCHUNG_VAR_DIR": str(tmp_path / "var")},
        capture_output=True, text=True, errors="replace", timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "không phải là tệp văn bản" in done.stderr


EXPORTS = {
    "facebook-crowdtangle.csv": (
        "Page Name,User Name,Message,Link,Post Created,Likes,Comments,Shares,Love\n"
        "Trang A,trang.a,\"Công an tỉnh cảnh báo 5 số điện thoại lừa đảo chuyển khoản\","
        "https://www.facebook.com/tranga/posts/1,2025-03-01 10:00:00 ICT,1.2K,30,45,9\n"
    ),
    "youtube-comments.json": json.dumps({"items": [{"id": "UgzX1", "snippet": {
        "videoId": "dQw4w9WgXcQ", "topLevelComment": {"snippet": {
        "textOriginal": "Video nói uống nước chanh chữa ung thư là sai, Bộ Y tế đã bác bỏ",
        "authorDisplayName": "Người xem", "authorChannelUrl": "https://youtube.com/@nguoi",
        "likeCount": 12, "publishedAt": "2025-02-01T01:02:03Z"}}, "totalReplyCount": 3}}]},
        ensure_ascii=False),
    "tiktok.json": json.dumps([{
        "text": "Bão số 3 sắp đổ bộ Quảng Ninh với sức gió cấp 15 #baoso3",
        "webVideoUrl": "https://www.tiktok.com/@kenh/video/1", "createTimeISO":
        "2025-07-20T03:00:00.000Z", "diggCount": 20000, "commentCount": 800,
        "shareCount": 1500, "playCount": 900000, "authorMeta": {"name": "kenh"}}],
        ensure_ascii=False),
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_common_exports_are_mapped_without_their_authors(team, tmp_path, name):
    path = tmp_path / name
    path.write_text(EXPORTS[name], encoding="utf-8")
    fmt = importers.format_of(name, path.read_bytes()[:200])
    shown = importers.preview(path, fmt=fmt)
    assert shown.mapping["text"]
    assert not {v for v in shown.mapping.values() if "author" in v.lower() or "name" in v.lower()}
    summary = _ingest(str(path), "--workspace", team.workspace.slug)
    assert summary["added"] == 1
    item = Item.objects.get()
    assert item.url.startswith("https://")
    assert item.published_at is not None
    assert item.reactions > 0
    stored = json.dumps([item.text, item.title, item.url, item.reasons], ensure_ascii=False)
    for author in ("Trang A", "trang.a\"", "Người xem", "@nguoi", "authorMeta"):
        assert author not in stored


def _planned(workspace, src, path):
    return importers.import_create(
        workspace=workspace, source=src, path=path, original_name=path.name,
        fmt="jsonl", mapping={"text": "text", "url": "url", "time": "time",
                              "reactions": "likes", "shares": "shares"},
        chunk_bytes=64 * 1024,
    )


def _copies(workspace) -> list[int]:
    return sorted(Item.objects.filter(workspace=workspace).values_list("copies", flat=True))


def test_import_resumes_after_cancel(team, tmp_path):
    path = write_jsonl(tmp_path / "lon.jsonl", posts(900, seed=11))
    job = _planned(team.workspace, source(team, name="Tệp lớn"), path)
    assert job.chunks.count() > 3
    batches = []

    def cancel_after_two(done: int) -> None:
        batches.append(done)
        if len(batches) == 2:
            importers.import_cancel(job)

    importers.import_run(job, progress=cancel_after_two, batch_size=100)
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    halfway = importers.import_summary(job)
    assert 0 < halfway["rows"] < 900
    importers.import_run(job, batch_size=100)
    job.refresh_from_db()
    done = importers.import_summary(job)
    assert job.status == ImportStatus.DONE
    assert done["rows"] == 900
    assert done["bytes_done"] == path.stat().st_size
    assert Sighting.objects.filter(workspace=team.workspace).count() == 900
    # The same file imported in one go elsewhere gives the same items and copies.
    other = services.source_create(workspace=team.other_workspace, actor=None, name="Tệp lớn",
                                   kind="import")
    importers.import_run(_planned(team.other_workspace, other, path), batch_size=100)
    assert _copies(team.workspace) == _copies(team.other_workspace)
    assert sum(_copies(team.workspace)) == 900


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "json"])
def test_reading_a_large_export_takes_bounded_memory(tmp_path, fmt):
    rows = posts(400, duplicate_share=0)
    path = tmp_path / f"lon.{fmt}"
    if fmt == "jsonl":
        write_jsonl(path, rows * 40)
    elif fmt == "csv":
        write_csv(path, rows * 40)
    else:
        path.write_text(json.dumps({"data": rows * 40}, ensure_ascii=False), encoding="utf-8")
    size = path.stat().st_size
    assert size > 5 * 1024 * 1024
    tracemalloc.start()
    count = 0
    with Path(path).open("rb") as handle:
        for record in importers.read_records(handle, fmt):
            assert record.data is not None
            count += 1
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 16_000
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_json_array_resumes_from_a_saved_offset(tmp_path):
    rows = posts(30, duplicate_share=0)
    path = tmp_path / "mang.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    with path.open("rb") as handle:
        records = list(importers.read_records(handle, "json"))
    assert [r.data["url"] for r in records] == [r["url"] for r in rows]
    middle = records[11]
    with path.open("rb") as handle:
        rest = list(importers.read_records(handle, "json", start=middle.end,
                                           line=middle.next_line))
    assert [r.data["url"] for r in rest] == [r["url"] for r in rows[12:]]
    assert rest[0].line == records[12].line

