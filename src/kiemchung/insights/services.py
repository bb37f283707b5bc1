"""Writes of insights: the public page switch, and importing a platform's statistics export
(Facebook Page insights, YouTube Studio, Zalo OA, Telegram channel statistics) into a page's
figures by day and by post.

The file is read with monitoring's CSV reader and number and time parsers; each row becomes a
day of the page (no post column) or one post, and a row that cannot be read is reported by
line with what was expected and what was found. Nothing of a person is read or stored.
"""

from __future__ import annotations

import csv
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemchung.accounts.models import Workspace
from kiemchung.audit.services import audit_record
from kiemchung.core import events
from kiemchung.core.models import Delivery
from kiemchung.insights.models import (
    InsightsSettings,
    ReachDay,
    ReachImport,
    ReachImportStatus,
    ReachPage,
    ReachPlatform,
    ReachPost,
)
from kiemchung.monitoring.mapping import parse_count, parse_time
from kiemchung.monitoring.readers import ImportError_, RawRecord, read_csv

logger = logging.getLogger(__name__)

BATCH = 500
MAX_PROBLEMS = 50
PREVIEW_ROWS = 8
# The figures a row can carry, and the column names the platforms' exports use for each (first
# match wins, compared without case). Facebook: Page insights "Page data" and "Post data"
# exports and Meta Business Suite's post export; YouTube: Studio's "Table data.csv"; Zalo OA:
# the statistics page's export; Telegram: a channel's statistics graphs written as CSV.
FIGURE_LABELS: dict[str, Any] = {
    "day": gettext_lazy("Ngày (hoặc thời điểm đăng)"),
    "post_id": gettext_lazy("Mã bài đăng / video"),
    "url": gettext_lazy("Đường dẫn bài đăng"),
    "reach": gettext_lazy("Lượt tiếp cận / lượt xem"),
    "impressions": gettext_lazy("Lượt hiển thị"),
    "interactions": gettext_lazy("Lượt tương tác"),
    "followers": gettext_lazy("Tổng người theo dõi"),
    "new_followers": gettext_lazy("Người theo dõi mới (thay đổi)"),
}
CANDIDATES: dict[str, tuple[str, ...]] = {
    # A post export's own "Date" column says "Lifetime"; its publish time is the day.
    "day": ("publish time", "video publish time", "posted", "date", "ngày", "day",
            "thời gian", "time"),
    "post_id": ("post id", "content", "video id", "message id", "id bài viết", "mã bài viết"),
    "url": ("permalink", "post url", "link", "url", "đường dẫn"),
    "reach": ("reach", "daily total reach", "lifetime post total reach", "views",
              "lượt tiếp cận", "tiếp cận", "lượt xem"),
    "impressions": ("impressions", "daily total impressions",
                    "lifetime post total impressions", "lượt hiển thị"),
    "interactions": ("reactions, comments and shares", "engagements", "interactions",
                     "daily page engaged users", "lifetime engaged users", "lượt tương tác",
                     "tương tác", "likes"),
    "followers": ("lifetime total likes", "followers", "total followers",
                  "tổng người quan tâm", "tổng số người quan tâm"),
    "new_followers": ("subscribers", "daily new likes", "new followers", "joined",
                      "người quan tâm mới"),
}
COUNTS = ("reach", "impressions", "interactions", "followers", "new_followers")
# Rows that total the others (YouTube Studio puts one first).
TOTAL_WORDS = frozenset({"total", "tổng", "tổng cộng"})
# A Facebook post's id, "page_post" or the post part alone; group 1 is the post part.
FACEBOOK_POST_ID = re.compile(r"^(?:[0-9]+_)?([0-9]+)$")


def _user(actor: AbstractBaseUser | AnonymousUser | None) -> User | None:
    return actor if isinstance(actor, User) else None


def public_figures_shown(*, workspace: Workspace) -> bool:
    found = InsightsSettings.objects.filter(workspace=workspace).values_list(
        "public_figures", flat=True
    ).first()
    return bool(found)


def public_figures_set(
    *, workspace: Workspace, shown: bool, actor: AbstractBaseUser | AnonymousUser | None
) -> InsightsSettings:
    """Turn the public "our work in figures" page on or off (audited)."""
    row, _created = InsightsSettings.objects.get_or_create(workspace=workspace)
    before = {"public_figures": row.public_figures}
    row.public_figures = shown
    row.save(update_fields=["public_figures", "updated_at"])
    audit_record(workspace=workspace, actor=_user(actor), action="insights.public_figures",
                 obj=row,
                 before=before, after={"public_figures": shown})
    return row


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """The column of each figure, by the names the exports use."""
    lowered = {c.strip().lower(): c for c in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for name, candidates in CANDIDATES.items():
        for candidate in candidates:
            column = lowered.get(candidate)
            if column is not None and column not in taken:
                mapping[name] = column
                taken.add(column)
                break
    return mapping


def store_upload(chunks: Any, *, name: str) -> Path:
    """Write an uploaded export under media/reach/, without Excel's "sep=," first line."""
    folder = Path(settings.MEDIA_ROOT) / "reach"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    first = True
    with path.open("wb") as out:
        for chunk in chunks:
            if first:
                first = False
                head = chunk.lstrip(b"\xef\xbb\xbf")
                if head[:4].lower() == b"sep=":
                    newline = head.find(b"\n")
                    chunk = head[newline + 1:] if newline >= 0 else b""
            out.write(chunk)
    return path


def read_columns(path: Path) -> list[str]:
    """The header of the export; ImportError_ when the file has none."""
    with path.open("rb") as handle:
        raw = handle.readline(64 * 1024)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1258", errors="replace")
    try:
        header = next(csv.reader([text]), [])
    except csv.Error as exc:
        raise ImportError_(_("Dòng tiêu đề CSV hỏng: %(error)s") % {"error": exc}) from None
    columns = [c.strip() for c in header if c.strip()]
    if not columns:
        raise ImportError_(_("Tệp CSV trống hoặc không có dòng tiêu đề."))
    return columns


@dataclass
class ParsedRow:
    line: int
    day: date | None = None
    published_at: datetime | None = None
    external_id: str = ""
    url: str = ""
    values: dict[str, int | None] = field(default_factory=dict)
    problem: str = ""
    skipped: bool = False


def _cell(record: dict[str, Any], mapping: dict[str, str], name: str) -> str:
    column = mapping.get(name)
    return str(record.get(column, "") or "").strip() if column else ""


def parse_row(record: RawRecord, mapping: dict[str, str]) -> ParsedRow:
    """One row of the export as figures, or the reason it cannot be read."""
    row = ParsedRow(line=record.line)
    if record.data is None:
        row.problem = record.error
        return row
    data = record.data
    day_text = _cell(data, mapping, "day")
    if day_text.lower() in TOTAL_WORDS:
        row.skipped = True
        return row
    values: dict[str, int | None] = {}
    wrong: list[str] = []
    for name in COUNTS:
        text = _cell(data, mapping, name)
        if not mapping.get(name):
            continue
        if name == "new_followers" and text.startswith("-") and text[1:].strip():
            number = parse_count(text[1:])
            values[name] = -number if number is not None else None
        else:
            values[name] = parse_count(text) if text else None
        if text and values[name] is None:
            wrong.append(_("cột “%(column)s” cần một số, gặp “%(found)s”")
                         % {"column": mapping[name], "found": text[:40]})
    when = parse_time(day_text)
    if when is None:
        # Facebook's Page insights export explains each column in its second line.
        if record.line == 2 and not any(v for v in values.values()):
            row.skipped = True
            return row
        wrong.insert(0, _("cột “%(column)s” cần một ngày (2026-11-01 hoặc 01/11/2026), gặp "
                          "“%(found)s”") % {"column": mapping.get("day", "?"),
                                            "found": day_text[:40] or _("ô trống")})
    if wrong:
        row.problem = "; ".join(wrong)
        return row
    assert when is not None
    row.published_at = when
    row.day = timezone.localtime(when).date() if timezone.is_aware(when) else when.date()
    row.external_id = _cell(data, mapping, "post_id")[:300]
    row.url = _cell(data, mapping, "url")[:2000]
    if not row.url.startswith(("http://", "https://")):
        row.url = ""
    row.values = values
    return row


def preview(path: Path, mapping: dict[str, str]) -> list[ParsedRow]:
    rows: list[ParsedRow] = []
    with path.open("rb") as handle:
        for record in read_csv(handle):
            rows.append(parse_row(record, mapping))
            if len(rows) >= PREVIEW_ROWS:
                break
    return rows


def mapping_check(columns: list[str], mapping: dict[str, str]) -> None:
    """ValidationError unless the day has a column and every chosen column is in the file."""
    if not mapping.get("day"):
        raise ValidationError(
            _("Cần chọn cột ngày. Tệp có các cột: %(found)s.") % {"found": ", ".join(columns)}
        )
    missing = [c for c in mapping.values() if c not in columns]
    if missing:
        raise ValidationError(
            _("Tệp không có cột %(missing)s. Tệp có các cột: %(found)s.")
            % {"missing": ", ".join(missing), "found": ", ".join(columns)}
        )
    if not any(mapping.get(name) for name in COUNTS):
        raise ValidationError(_("Cần chọn ít nhất một cột số liệu (tiếp cận, hiển thị, tương "
                                "tác hoặc người theo dõi)."))


def page_for(*, workspace: Workspace, platform: str, name: str) -> ReachPage:
    page, _created = ReachPage.objects.get_or_create(
        workspace=workspace, platform=platform, name=name.strip()[:120]
    )
    return page


def import_create(
    *, workspace: Workspace, page: ReachPage, path: Path, original_name: str,
    mapping: dict[str, str], actor: AbstractBaseUser | AnonymousUser | None,
) -> ReachImport:
    """Record the import (rows counted); the caller enqueues `tasks.reach_import_run`."""
    mapping_check(read_columns(path), mapping)
    with path.open("rb") as handle:
        total = sum(1 for _record in read_csv(handle))
    job = ReachImport.objects.create(
        workspace=workspace, page=page, path=str(path), original_name=original_name[:300],
        mapping=mapping, rows_total=total,
        created_by=_user(actor),
    )
    audit_record(workspace=workspace, actor=_user(actor), action="insights.reach_import", obj=job,
                 after={"page": str(page), "file": job.original_name, "rows": total})
    return job


def _store(job: ReachImport, rows: list[ParsedRow]) -> tuple[int, int]:
    days: dict[date, ReachDay] = {}
    posts: dict[str, ReachPost] = {}
    for row in rows:
        assert row.day is not None
        key = row.external_id or row.url
        if key:
            posts[key] = ReachPost(
                page=job.page, external_id=key, url=row.url, published_at=row.published_at,
                reach=row.values.get("reach"), impressions=row.values.get("impressions"),
                interactions=row.values.get("interactions"),
            )
        else:
            days[row.day] = ReachDay(page=job.page, day=row.day, **row.values)
    if days:
        fields = [name for name in COUNTS if job.mapping.get(name)]
        ReachDay.objects.bulk_create(
            list(days.values()), update_conflicts=True, unique_fields=["page", "day"],
            update_fields=fields,
        )
    if posts:
        held = posts_held(page=job.page, keys=list(posts))
        posts = {held.get(key, key): post for key, post in posts.items()}
        for key, post in posts.items():
            post.external_id = key
        link_factchecks(workspace=job.workspace, posts=list(posts.values()))
        ReachPost.objects.bulk_create(
            list(posts.values()), update_conflicts=True, unique_fields=["page", "external_id"],
            update_fields=["url", "published_at", "reach", "impressions", "interactions",
                           "factcheck"],
        )
    return len(days), len(posts)


def posts_held(*, page: ReachPage, keys: list[str]) -> dict[str, str]:
    """For each of KEYS that PAGE does not hold as such, the other id under which it holds the
    same Facebook post: a post read from the Graph API is "page_post" where an export may say
    "post", and one post must stay one row whichever came first."""
    parts: dict[str, str] = {}
    for key in keys:
        found = FACEBOOK_POST_ID.match(key)
        if found:
            parts[key] = found.group(1)
    if page.platform != ReachPlatform.FACEBOOK or not parts:
        return {}
    by_part: dict[str, str] = {}
    exact: set[str] = set()
    rows = ReachPost.objects.filter(page=page).filter(
        Q(external_id__in=list(parts.values())) | Q(external_id__contains="_")
    ).values_list("external_id", flat=True)
    for external_id in rows.iterator():
        exact.add(external_id)
        found = FACEBOOK_POST_ID.match(external_id)
        if found:
            by_part.setdefault(found.group(1), external_id)
    return {
        key: by_part[part] for key, part in parts.items()
        if key not in exact and part in by_part
    }


def link_factchecks(*, workspace: Workspace, posts: list[ReachPost]) -> None:
    """Tie each post to the fact-check an outlet delivery sent as it (same external id; a
    Facebook id "page_post" also matches its post part)."""
    keys: set[str] = set()
    for post in posts:
        keys.add(post.external_id)
        keys.add(post.external_id.rsplit("_", 1)[-1])
    found: dict[str, int] = {}
    deliveries = Delivery.objects.filter(
        workspace=workspace, subject_type="factcheck", external_id__isnull=False
    ).exclude(external_id="").values_list("external_id", "subject_id")
    for external_id, subject_id in deliveries.iterator():
        for key in (external_id, external_id.rsplit("_", 1)[-1]):
            if key in keys and subject_id.isdigit():
                found[key] = int(subject_id)
    for post in posts:
        pk = found.get(post.external_id) or found.get(post.external_id.rsplit("_", 1)[-1])
        post.factcheck_id = pk


def import_run(job: ReachImport) -> ReachImport:
    """Read the whole export into the page's figures, saving progress every batch."""
    job.status = ReachImportStatus.RUNNING
    job.rows_done = job.days_stored = job.posts_stored = job.bad_rows = 0
    job.problems = []
    job.save(update_fields=["status", "rows_done", "days_stored", "posts_stored", "bad_rows",
                            "problems", "updated_at"])
    batch: list[ParsedRow] = []
    days_seen: list[date] = []

    def flush() -> None:
        days_seen.extend(row.day for row in batch if row.day is not None)
        days, posts = _store(job, batch)
        job.days_stored += days
        job.posts_stored += posts
        batch.clear()
        job.save(update_fields=["rows_done", "days_stored", "posts_stored", "bad_rows",
                                "problems", "updated_at"])

    try:
        with Path(job.path).open("rb") as handle:
            for record in read_csv(handle):
                row = parse_row(record, job.mapping)
                job.rows_done += 1
                if row.problem:
                    job.bad_rows += 1
                    if len(job.problems) < MAX_PROBLEMS:
                        job.problems.append({"line": row.line, "message": row.problem})
                elif not row.skipped:
                    batch.append(row)
                if len(batch) >= BATCH:
                    flush()
        flush()
    except (OSError, ImportError_) as exc:
        message = exc.message if isinstance(exc, ImportError_) else _("Không đọc được tệp.")
        logger.warning("reach import %s failed: %s", job.pk, type(exc).__name__)
        job.status = ReachImportStatus.FAILED
        job.error = message
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at", "updated_at"])
        return job
    job.status = ReachImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "updated_at"])
    events.reach_imported(
        workspace=job.workspace, import_id=job.pk, platform=job.page.platform,
        rows=job.days_stored + job.posts_stored,
        period_start=min(days_seen, default=None), period_end=max(days_seen, default=None),
    )
    return job

