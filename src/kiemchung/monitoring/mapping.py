"""Mapping an export's records to posts: the columns of the common exports, counts, times."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from kiemchung.monitoring.images import image_urls
from kiemchung.monitoring.services import Post

__all__ = [
    "FIELDS",
    "ImportProblem",
    "columns_of",
    "guess_mapping",
    "map_record",
    "parse_count",
    "parse_time",
]

# The fields an item takes from a record, and the column names the common exports use for
# them, best first (compared case-insensitively; dotted paths reach into JSON objects).
# Facebook (CrowdTangle, Meta Content Library, "Download your information", scrapers),
# YouTube (Data API comment threads, comment exports) and TikTok (scrapers) are covered.
# Author columns (names, profile links, ids of people) are never mapped.
FIELDS = (
    "text", "title", "url", "time", "reactions", "comments", "shares", "views", "id", "image",
)
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
    # The picture a post carried: one address, several in one cell, or a JSON list of them.
    "image": (
        "image", "image_url", "image url", "imageUrl", "images", "full_picture", "picture",
        "photo", "photo_url", "photoUrl", "displayUrl", "media_url", "thumbnail",
        "thumbnail_url", "ảnh", "hình ảnh", "hình", "anh",
    ),
}
NUMERIC_FIELDS = ("reactions", "comments", "shares", "views")


@dataclass(frozen=True)
class ImportProblem:
    """Something wrong with one record; `skipped` when the record was not imported."""

    line: int
    message: str
    skipped: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


def _paths(value: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    if isinstance(value, dict) and depth < 5:
        for key, inner in value.items():
            path = f"{prefix}{key}"
            if isinstance(inner, dict | list):
                yield from _paths(inner, f"{path}.", depth + 1)
            else:
                yield path
    elif isinstance(value, list) and value and depth < 5:
        if prefix and not isinstance(value[0], dict | list):
            # A list of plain values (the addresses of a post's images) is one column.
            yield prefix[:-1]
        else:
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
    pictures = _get(record, mapping["image"]) if mapping.get("image") else None
    post = Post(
        text=text,
        url=url,
        title=title if isinstance(title, str) else "",
        platform=platform,
        published_at=when,
        key=str(external) if external not in (None, "") and not url else "",
        line=line,
        images=image_urls(pictures if isinstance(pictures, list) else [pictures]),
        **counts,
    )
    return post, problems
