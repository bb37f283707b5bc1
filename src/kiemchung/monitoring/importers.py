"""File imports of platform exports (CSV, JSON, JSONL): column mapping, preview, and a
streaming run in chunks that can be cancelled and resumed.

Files are read a record at a time from a byte offset, so a 1 GB export needs no more memory
than a small one. Each chunk commits its offset with every batch it stores; a run that stops
(cancelled, killed, a worker lost) starts again from the last committed batch, and the
sightings' keys make a batch stored twice count once. JSONL files are split at line
boundaries into several chunks that workers take in parallel; CSV (a quoted field may span
lines) and JSON arrays are read as one chunk.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Workspace
from kiemchung.monitoring.models import (
    ImportChunk,
    ImportFormat,
    ImportJob,
    ImportStatus,
    Source,
)
from kiemchung.monitoring.services import Post, items_plan, items_store

__all__ = [
    "FIELDS",
    "ImportProblem",
    "columns_of",
    "guess_mapping",
    "import_create",
    "import_run",
    "import_summary",
    "map_record",
    "preview",
    "read_records",
]

BATCH_SIZE = 200
STORE_ATTEMPTS = 20
PROBLEMS_KEPT = 200
MIN_CHUNK_BYTES = 256 * 1024
MAX_CHUNK_BYTES = 16 * 1024 * 1024
MAX_CHUNKS = 64
FINGERPRINT_BYTES = 1024 * 1024
JSON_READ_BYTES = 256 * 1024
_LINE_MAX = 8 * 1024 * 1024

# The fields an item takes from a record, and the column names the common exports use for
# them, best first (compared case-insensitively; dotted paths reach into JSON objects).
# Facebook (CrowdTangle, Meta Content Library, "Download your information", scrapers),
# YouTube (Data API comment threads, comment exports) and TikTok (scrapers) are covered.
# Author columns (names, profile links, ids of people) are never mapped.
FIELDS = ("text", "title", "url", "time", "reactions", "comments", "shares", "views", "id")
_CANDIDATES: dict[str, tuple[str, ...]] = {
    "text": (
        "text", "message", "post", "content", "caption", "description", "body",
        "snippet.topLevelComment.snippet.textOriginal",
        "snippet.topLevelComment.snippet.textDisplay", "snippet.textOriginal",
        "snippet.textDisplay", "textOriginal", "textDisplay", "comment", "comment text",
        "data.0.post", "post text", "nội dung", "noi dung", "desc", "title",
    ),
    "title": ("link text", "headline", "video title", "name", "tiêu đề"),
    "url": (
        "url", "post url", "post_url", "link", "permalink", "permalink_url", "webVideoUrl",
        "web_video_url", "video url", "videoUrl", "facebookUrl", "postUrl", "đường dẫn",
    ),
    "time": (
        "time", "timestamp", "created_time", "created_at", "creation_time", "post created",
        "published", "publishedAt", "snippet.topLevelComment.snippet.publishedAt",
        "snippet.publishedAt", "createTimeISO", "createTime", "create_time", "date",
        "datetime", "thời gian", "ngày",
    ),
    "reactions": (
        "reactions", "reactions_count", "total reactions", "likes", "like_count", "likeCount",
        "snippet.topLevelComment.snippet.likeCount", "snippet.likeCount", "diggCount",
        "digg_count", "likesCount", "lượt thích",
    ),
    "comments": (
        "comments", "comments_count", "comment_count", "commentCount", "commentsCount",
        "snippet.totalReplyCount", "totalReplyCount", "replies", "bình luận",
    ),
    "shares": ("shares", "shares_count", "share_count", "shareCount", "sharesCount", "chia sẻ"),
    "views": (
        "views", "view_count", "viewCount", "playCount", "play_count", "video views",
        "total views", "lượt xem",
    ),
    "id": ("id", "post id", "post_id", "facebook id", "video id", "comment id", "aweme_id"),
}
NUMERIC_FIELDS = ("reactions", "comments", "shares", "views")


class ImportError_(Exception):
    """A file that cannot be imported at all (unreadable, not the format it claims)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong with one record; `skipped` when the record was not imported."""

    line: int
    message: str
    skipped: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class RawRecord:
    """One record read from a file: its first line, its data or why it could not be read,
    and the byte offset just after it."""

    line: int
    data: dict[str, Any] | None
    error: str
    end: int
    next_line: int


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Older Vietnamese exports (Excel on Windows) are in code page 1258.
        try:
            return raw.decode("cp1258")
        except UnicodeDecodeError:
            return raw.decode("utf-8", errors="replace")


def _lines(handle: IO[bytes], start: int, end: int | None) -> Iterator[bytes]:
    handle.seek(start)
    position = start
    while end is None or position < end:
        raw = handle.readline(_LINE_MAX)
        if not raw:
            return
        position += len(raw)
        yield raw


def read_jsonl(
    handle: IO[bytes], *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    """Records of a JSON Lines file from byte `start` (a line start) to `end`."""
    position = start
    for raw in _lines(handle, start, end):
        position += len(raw)
        text = _decode(raw).lstrip("\ufeff").strip()
        if text:
            data: dict[str, Any] | None = None
            error = ""
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                error = _("JSON không hợp lệ (%(error)s)") % {"error": exc.msg}
            else:
                if isinstance(value, dict):
                    data = value
                else:
                    error = _("mỗi dòng phải là một đối tượng JSON")
            yield RawRecord(line, data, error, position, line + 1)
        line += 1


def _csv_header(handle: IO[bytes]) -> tuple[list[str], int, int]:
    """The header of a CSV file, the byte offset after it and the number of lines it took."""
    consumed = 0
    lines = 0

    def feed() -> Iterator[str]:
        nonlocal consumed, lines
        for raw in _lines(handle, 0, None):
            consumed += len(raw)
            lines += 1
            yield _decode(raw).lstrip("\ufeff") if lines == 1 else _decode(raw)

    try:
        header = next(csv.reader(feed()))
    except StopIteration:
        raise ImportError_(_("Tệp CSV trống.")) from None
    except csv.Error as exc:
        raise ImportError_(_("Dòng tiêu đề CSV hỏng: %(error)s") % {"error": exc}) from None
    return [h.strip() for h in header], consumed, lines


def read_csv(
    handle: IO[bytes], *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    """Records of a CSV file with a header row, from byte `start` (0, or a record's start)."""
    header, after_header, header_lines = _csv_header(handle)
    if start < after_header:
        start, line = after_header, 1 + header_lines
    consumed = start
    lines_read = 0

    def feed() -> Iterator[str]:
        nonlocal consumed, lines_read
        for raw in _lines(handle, start, None):
            consumed += len(raw)
            lines_read += 1
            yield _decode(raw)

    reader = csv.reader(feed())
    first_line = line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRecord(first_line, None, _("CSV hỏng: %(error)s") % {"error": exc},
                            consumed, line + lines_read)
            first_line = line + lines_read
            continue
        next_line = line + lines_read
        if not any(cell.strip() for cell in row):
            first_line = next_line
            continue
        if len(row) != len(header):
            yield RawRecord(
                first_line,
                None,
                _("có %(found)d cột, tiêu đề có %(expected)d")
                % {"found": len(row), "expected": len(header)},
                consumed,
                next_line,
            )
        else:
            yield RawRecord(first_line, dict(zip(header, row, strict=True)), "", consumed,
                            next_line)
        first_line = next_line
        if end is not None and consumed >= end:
            return


_WS = frozenset(" \t\r\n")


def _array_start(text: str) -> int | None:
    """Where the records begin: a top-level array, or the first array member of a top-level
    object ({"data": [...]}, {"items": [...]}); None when neither is in `text`."""
    depth = 0
    in_string = False
    escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "[":
            if depth <= 1:
                return i + 1
            depth += 1
        elif ch == "{":
            depth += 1
        elif ch in "}]":
            depth -= 1
    return None


def read_json(
    handle: IO[bytes], *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    """Records of a JSON array (or of the first array inside a top-level object), streamed."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    json_decoder = json.JSONDecoder()
    handle.seek(start)
    buffer = ""
    pos = 0  # where reading stands in buffer
    position = start  # byte offset of buffer[pos]
    eof = False

    def more() -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        chunk = handle.read(JSON_READ_BYTES)
        buffer = buffer[pos:]
        pos = 0
        if not chunk:
            eof = True
            buffer += decoder.decode(b"", final=True)
            return False
        buffer += decoder.decode(chunk)
        return True

    def advance(to: int) -> None:
        nonlocal pos, position, line
        consumed = buffer[pos:to]
        position += len(consumed.encode("utf-8"))
        line += consumed.count("\n")
        pos = to

    if start == 0:
        more()
        while True:
            text = buffer.lstrip("\ufeff")
            found = _array_start(text)
            if found is not None:
                advance(found + len(buffer) - len(text))
                break
            if len(buffer) > FINGERPRINT_BYTES or not more():
                raise ImportError_(_("Không tìm thấy danh sách bản ghi trong tệp JSON."))
    while True:
        i = pos
        while True:
            while i < len(buffer) and (buffer[i] in _WS or buffer[i] == ","):
                i += 1
            if i < len(buffer):
                break
            i -= pos
            if not more():
                i += pos
                break
            i += pos
        advance(i)
        if pos >= len(buffer) or buffer[pos] == "]":
            return
        first_line = line
        while True:
            try:
                value, stop = json_decoder.raw_decode(buffer, pos)
            except ValueError as exc:
                if more():
                    continue
                yield RawRecord(first_line, None,
                                _("JSON hỏng từ đây, phần còn lại không đọc được (%(error)s)")
                                % {"error": getattr(exc, "msg", str(exc))},
                                position + len(buffer[pos:].encode("utf-8")), line)
                return
            if stop >= len(buffer) and more():
                # A number at the very end of the buffer may continue in the next read.
                continue
            break
        advance(stop)
        if isinstance(value, dict):
            yield RawRecord(first_line, value, "", position, line)
        else:
            yield RawRecord(first_line, None, _("mỗi phần tử phải là một đối tượng JSON"),
                            position, line)
        if end is not None and position >= end:
            return


_READERS: dict[str, Callable[..., Iterator[RawRecord]]] = {
    ImportFormat.CSV: read_csv,
    ImportFormat.JSON: read_json,
    ImportFormat.JSONL: read_jsonl,
}


def read_records(
    handle: IO[bytes], fmt: str, *, start: int = 0, end: int | None = None, line: int = 1
) -> Iterator[RawRecord]:
    return _READERS[fmt](handle, start=start, end=end, line=line)


def format_of(name: str, head: bytes = b"") -> str:
    """The format a file's name (or, failing that, its first bytes) says it is in."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson"):
        return ImportFormat.JSONL
    if suffix == "json":
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        first_line = stripped.split(b"\n", 1)[0].strip()
        if stripped[:1] == b"{" and first_line.endswith(b"}") and b"\n{" in stripped:
            return ImportFormat.JSONL
        return ImportFormat.JSON
    if suffix in ("csv", "tsv", "txt"):
        return ImportFormat.CSV
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"[":
        return ImportFormat.JSON
    if stripped[:1] == b"{":
        return ImportFormat.JSONL
    return ImportFormat.CSV


# Mapping records to posts.


def _paths(value: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    if isinstance(value, dict) and depth < 5:
        for key, inner in value.items():
            path = f"{prefix}{key}"
            if isinstance(inner, dict | list):
                yield from _paths(inner, f"{path}.", depth + 1)
            else:
                yield path
    elif isinstance(value, list) and value and depth < 5:
        yield from _paths(value[0], f"{prefix}0.", depth + 1)


def columns_of(records: list[dict[str, Any]]) -> list[str]:
    """Every column (CSV) or leaf path (JSON) of these records, in first-seen order."""
    seen: dict[str, None] = {}
    for record in records:
        for path in _paths(record):
            seen.setdefault(path, None)
    return list(seen)


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """The likeliest column for each field, from the names the common exports use."""
    by_lower = {c.lower(): c for c in columns}
    mapping: dict[str, str] = {}
    for name, candidates in _CANDIDATES.items():
        for candidate in candidates:
            column = by_lower.get(candidate.lower())
            if column is not None and column not in mapping.values():
                mapping[name] = column
                break
    return mapping


def _get(record: dict[str, Any], path: str) -> Any:
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is None:
            return None
    return value


_NUMBER_RE = re.compile(r"^([0-9][0-9.,\s]*)([kKmMbB]|tr|nghìn|triệu)?$")


def parse_count(value: Any) -> int | None:
    """An engagement count: 1234, "1,234", "1.234", "1.2K", "3M"; None when it is none."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(int(value), 0)
    text = str(value).strip().replace("\u00a0", "")
    match = _NUMBER_RE.match(text)
    if not match:
        return None
    number, suffix = match.group(1).replace(" ", ""), (match.group(2) or "").lower()
    factor = {"k": 1_000, "nghìn": 1_000, "m": 1_000_000, "tr": 1_000_000,
              "triệu": 1_000_000, "b": 1_000_000_000}.get(suffix, 1)
    if suffix:
        number = number.replace(",", ".")
        try:
            return int(float(number) * factor)
        except ValueError:
            return None
    digits = number.replace(",", "").replace(".", "")
    if re.fullmatch(r"\d+[.,]\d{1,2}", number):
        digits = re.split(r"[.,]", number)[0]
    return int(digits) if digits.isdigit() else None


_TZ_NAME_RE = re.compile(r"\s+[A-Z]{2,5}$")
_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%d/%m/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y/%m/%d %H:%M:%S",
)


def parse_time(value: Any) -> datetime | None:
    """A time from ISO 8601, a Unix timestamp (seconds or milliseconds) or a common layout;
    times without a zone are in KIEMCHUNG_TIME_ZONE. None when it cannot be read."""
    if value is None or value == "":
        return None
    local = ZoneInfo(settings.TIME_ZONE)
    if (isinstance(value, int | float) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.strip().isdigit()
    ):
        number = float(value)
        if number > 1e11:
            number /= 1000
        try:
            return datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = _TZ_NAME_RE.sub("", str(value).strip())
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for layout in _FORMATS:
            try:
                parsed = datetime.strptime(text, layout)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local)
    return parsed


def _derived_url(record: dict[str, Any]) -> str:
    """The public URL of a YouTube comment, which the Data API gives as ids only."""
    video = _get(record, "snippet.videoId") or _get(record, "videoId")
    if not isinstance(video, str) or not re.fullmatch(r"[\w-]{6,20}", video):
        return ""
    comment = record.get("id")
    suffix = f"&lc={comment}" if isinstance(comment, str) and re.fullmatch(r"[\w.-]+", comment) \
        else ""
    return f"https://www.youtube.com/watch?v={video}{suffix}"


def map_record(
    record: dict[str, Any], mapping: dict[str, str], *, platform: str, line: int
) -> tuple[Post | None, list[ImportProblem]]:
    """A post from one record with the mapping, and the problems found (a post is None when
    the record cannot be imported)."""
    problems: list[ImportProblem] = []
    text_column = mapping.get("text", "")
    text = _get(record, text_column) if text_column else None
    if not isinstance(text, str) or not text.strip():
        message = (
            _("không có nội dung ở cột “%(column)s”") % {"column": text_column}
            if text_column
            else _("chưa chọn cột nội dung")
        )
        return None, [ImportProblem(line, message)]
    counts: dict[str, int] = {}
    for name in NUMERIC_FIELDS:
        column = mapping.get(name, "")
        if not column:
            continue
        raw = _get(record, column)
        number = parse_count(raw)
        if number is None:
            problems.append(
                ImportProblem(
                    line,
                    _("“%(value)s” ở cột “%(column)s” không phải là số; để 0")
                    % {"value": str(raw)[:40], "column": column},
                    skipped=False,
                )
            )
            number = 0
        counts[name] = number
    when = None
    if mapping.get("time"):
        raw_time = _get(record, mapping["time"])
        when = parse_time(raw_time)
        if when is None and raw_time not in (None, ""):
            problems.append(
                ImportProblem(
                    line,
                    _("không đọc được thời gian “%(value)s”; để trống")
                    % {"value": str(raw_time)[:40]},
                    skipped=False,
                )
            )
    url = _get(record, mapping["url"]) if mapping.get("url") else ""
    url = url.strip() if isinstance(url, str) and url.strip().startswith(("http://", "https://")) \
        else _derived_url(record)
    title = _get(record, mapping["title"]) if mapping.get("title") else ""
    external = _get(record, mapping["id"]) if mapping.get("id") else ""
    post = Post(
        text=text,
        url=url,
        title=title if isinstance(title, str) else "",
        platform=platform,
        published_at=when,
        key=str(external) if external not in (None, "") and not url else "",
        line=line,
        **counts,
    )
    return post, problems


@dataclass
class Preview:
    """The first records of a file, the columns found and the posts the mapping makes."""

    format: str
    columns: list[str]
    mapping: dict[str, str]
    rows: list[tuple[int, Post | None]] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def preview(
    path: str | Path, *, fmt: str, mapping: dict[str, str] | None = None, platform: str = "",
    rows: int = 10,
) -> Preview:
    """Read the first records of a file and show what the mapping (or the guessed one) makes."""
    records: list[RawRecord] = []
    with Path(path).open("rb") as handle:
        for record in read_records(handle, fmt):
            records.append(record)
            if len(records) >= max(rows, 50):
                break
    data = [r.data for r in records if r.data is not None]
    columns = columns_of(data)
    chosen = dict(mapping) if mapping else guess_mapping(columns)
    shown = Preview(format=fmt, columns=columns, mapping=chosen)
    for record in records[:rows]:
        if record.data is None:
            shown.problems.append(ImportProblem(record.line, record.error))
            shown.rows.append((record.line, None))
            continue
        post, problems = map_record(record.data, chosen, platform=platform, line=record.line)
        shown.rows.append((record.line, post))
        shown.problems += problems
    return shown


# Jobs.


def file_fingerprint(path: str | Path) -> str:
    """Size, and the first and last megabyte: the same export gives the same fingerprint."""
    file = Path(path)
    size = file.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with file.open("rb") as handle:
        digest.update(handle.read(FINGERPRINT_BYTES))
        if size > FINGERPRINT_BYTES:
            handle.seek(max(size - FINGERPRINT_BYTES, FINGERPRINT_BYTES))
            digest.update(handle.read(FINGERPRINT_BYTES))
    return digest.hexdigest()


def _split(path: Path, fmt: str, chunk_bytes: int | None) -> list[tuple[int, int, int]]:
    """(start, end, first line) of each chunk: JSONL at line boundaries, others whole."""
    size = path.stat().st_size
    if fmt != ImportFormat.JSONL or size <= MIN_CHUNK_BYTES:
        return [(0, size, 1)]
    target = chunk_bytes or min(MAX_CHUNK_BYTES, max(MIN_CHUNK_BYTES, size // 8))
    target = max(target, size // MAX_CHUNKS + 1)
    bounds = [0]
    with path.open("rb") as handle:
        while bounds[-1] + target < size:
            handle.seek(bounds[-1] + target)
            handle.readline(_LINE_MAX)
            position = handle.tell()
            if position >= size:
                break
            bounds.append(position)
        bounds.append(size)
        # The line each chunk starts on, counted in one pass over the file.
        lines = [1]
        handle.seek(0)
        counted = 0
        for start, stop in itertools.pairwise(bounds):
            remaining = stop - start
            while remaining:
                block = handle.read(min(remaining, 4 * 1024 * 1024))
                counted += block.count(b"\n")
                remaining -= len(block)
            lines.append(counted + 1)
    return [(bounds[i], bounds[i + 1], lines[i]) for i in range(len(bounds) - 1)]


def import_create(
    *,
    workspace: Workspace,
    source: Source,
    path: str | Path,
    original_name: str,
    fmt: str,
    mapping: dict[str, str],
    actor: Any = None,
    chunk_bytes: int | None = None,
) -> ImportJob:
    """Plan the import of a file: the job and its chunks (nothing is read into items yet)."""
    file = Path(path)
    if fmt not in ImportFormat.values:
        raise ImportError_(_("Định dạng không hỗ trợ: %(format)s") % {"format": fmt})
    if not mapping.get("text"):
        raise ImportError_(_("Hãy chọn cột chứa nội dung."))
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise ImportError_(
            _("Không đọc được tệp %(name)s: %(error)s")
            % {"name": original_name, "error": exc.strerror or exc}
        ) from exc
    job = ImportJob.objects.create(
        workspace=workspace,
        source=source,
        path=str(file.resolve()),
        original_name=original_name[:300],
        fingerprint=file_fingerprint(file),
        format=fmt,
        mapping={k: v for k, v in mapping.items() if k in FIELDS and v},
        bytes_total=size,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    ImportChunk.objects.bulk_create(
        ImportChunk(job=job, number=i, start=start, end=end, first_line=line, offset=start,
                    line=line)
        for i, (start, end, line) in enumerate(_split(file, fmt, chunk_bytes))
    )
    return job


ProgressFn = Callable[[int], None]


def _store_batch(
    chunk: ImportChunk,
    posts: list[Post],
    problems: list[ImportProblem],
    rows: int,
    last: RawRecord,
    started: float,
) -> None:
    """Plan a batch outside any transaction, then store it and the chunk's new offset in one,
    so a stop anywhere resumes exactly after the last stored batch. A batch that raced
    another worker's identical content is planned and stored again."""
    source = chunk.job.source
    bad = sum(1 for p in problems if p.skipped)
    for attempt in range(STORE_ATTEMPTS):
        plan = items_plan(source=source, posts=posts) if posts else None
        try:
            with transaction.atomic():
                report = items_store(plan) if plan is not None else None
                kept = ImportChunk.objects.select_for_update().get(pk=chunk.pk)
                room = max(PROBLEMS_KEPT - len(kept.problems), 0)
                kept.problems = [*kept.problems, *(p.as_dict() for p in problems[:room])]
                kept.offset = last.end
                kept.line = last.next_line
                kept.rows = F("rows") + rows
                kept.added = F("added") + (report.added if report else 0)
                kept.folded = F("folded") + (report.folded if report else 0)
                kept.repeated = F("repeated") + (report.repeated if report else 0)
                kept.bad_rows = F("bad_rows") + bad
                kept.seconds = F("seconds") + (time.monotonic() - started)
                kept.save(update_fields=["problems", "offset", "line", "rows", "added",
                                         "folded", "repeated", "bad_rows", "seconds"])
            return
        except IntegrityError:
            # Another worker stored some of the same new texts first; planned again, the
            # batch folds into them. Workers on overlapping content may collide a few times.
            if attempt == STORE_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.05, 0.5))


def chunk_run(
    chunk: ImportChunk,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, float], None] | None = None,
) -> str:
    """Read one chunk from its offset to its end, a batch at a time; returns its status.

    The chunk's offset, line and counts are committed with each batch, so a run stopped
    anywhere resumes after the last stored batch. It stops early, as cancelled, when the
    job's cancel flag is set.
    """
    job = chunk.job
    source = job.source
    mapping = dict(job.mapping)
    ImportChunk.objects.filter(pk=chunk.pk).update(status=ImportStatus.RUNNING)
    with Path(job.path).open("rb") as handle:
        records = read_records(handle, job.format, start=chunk.offset, end=chunk.end,
                               line=chunk.line)
        while True:
            posts: list[Post] = []
            problems: list[ImportProblem] = []
            rows = 0
            last: RawRecord | None = None
            for record in records:
                rows += 1
                last = record
                if record.data is None:
                    problems.append(ImportProblem(record.line, record.error))
                else:
                    post, found = map_record(record.data, mapping, platform=source.platform,
                                             line=record.line)
                    problems += found
                    if post is not None:
                        posts.append(post)
                if rows >= batch_size:
                    break
            if last is None:
                break
            started = time.monotonic()
            _store_batch(chunk, posts, problems, rows, last, started)
            if on_batch is not None:
                on_batch(rows, time.monotonic() - started)
            chunk.offset = last.end
            if progress is not None:
                progress(chunk.offset)
            if ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                ImportChunk.objects.filter(pk=chunk.pk).update(status=ImportStatus.CANCELLED)
                return ImportStatus.CANCELLED
    ImportChunk.objects.filter(pk=chunk.pk).update(status=ImportStatus.DONE, offset=chunk.end)
    return ImportStatus.DONE


def job_refresh(job: ImportJob) -> ImportJob:
    """Set the job's status from its chunks'."""
    statuses = set(job.chunks.values_list("status", flat=True))
    status: str
    job.cancel_requested = ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()
    if statuses <= {ImportStatus.DONE}:
        status = ImportStatus.DONE
    elif ImportStatus.RUNNING in statuses:
        status = ImportStatus.RUNNING
    elif ImportStatus.FAILED in statuses:
        status = ImportStatus.FAILED
    elif job.cancel_requested:
        status = ImportStatus.CANCELLED
    else:
        status = job.status
    if status != job.status:
        job.status = status
        job.finished_at = timezone.now() if status == ImportStatus.DONE else None
        job.save(update_fields=["status", "finished_at", "updated_at"])
    return job


def import_resume(job: ImportJob) -> list[ImportChunk]:
    """Clear a cancel and return the chunks left to run."""
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=False,
                                               status=ImportStatus.RUNNING)
    job.cancel_requested = False
    job.status = ImportStatus.RUNNING
    return list(job.chunks.exclude(status=ImportStatus.DONE).order_by("number"))


def import_cancel(job: ImportJob) -> None:
    """Ask the running chunks to stop after their current batch."""
    ImportJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    job.cancel_requested = True
    job.chunks.filter(status=ImportStatus.PENDING).update(status=ImportStatus.CANCELLED)
    job_refresh(job)


def import_run(
    job: ImportJob,
    *,
    progress: ProgressFn | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, float], None] | None = None,
) -> ImportJob:
    """Run every unfinished chunk of a job in this process, in order (the CLI's way)."""
    for chunk in import_resume(job):
        done_before = sum(c.bytes_done for c in job.chunks.exclude(pk=chunk.pk))

        def report(offset: int, base: int = done_before, start: int = chunk.start) -> None:
            if progress is not None:
                progress(base + offset - start)

        status = chunk_run(chunk, progress=report, batch_size=batch_size, on_batch=on_batch)
        if status == ImportStatus.CANCELLED:
            break
    return job_refresh(job)


def import_summary(job: ImportJob) -> dict[str, Any]:
    """Counts over the job's chunks and its first problems, by line."""
    totals = job.chunks.aggregate(
        rows=Sum("rows"), added=Sum("added"), folded=Sum("folded"), repeated=Sum("repeated"),
        bad_rows=Sum("bad_rows"),
    )
    problems: list[dict[str, Any]] = []
    for chunk in job.chunks.order_by("number"):
        problems += chunk.problems
    done = sum(c.bytes_done for c in job.chunks.all())
    return {
        "job": job.pk,
        "status": job.status,
        "rows": totals["rows"] or 0,
        "added": totals["added"] or 0,
        "folded": totals["folded"] or 0,
        "repeated": totals["repeated"] or 0,
        "bad_rows": totals["bad_rows"] or 0,
        "bytes_done": done,
        "bytes_total": job.bytes_total,
        "problems": sorted(problems, key=lambda p: p["line"])[:PROBLEMS_KEPT],
    }


def read_head(path: str | Path, size: int = 4096) -> bytes:
    with Path(path).open("rb") as handle:
        return handle.read(size)

