"""What the triage learner reads in a post besides its words, and the reasons it gives.

Five groups of dense features, each absent (NaN) when the post does not carry it, so a file
without engagement columns or dates is read as "unknown", not as "no likes at midnight":

- cues: the built-in cue strengths and logit (triage.py), the Vietnamese cues the queue explains;
- engagement: likes, comments and shares on a log scale and their ratios;
- time: hour and weekday of publication (in KIEMCHUNG_TIME_ZONE) and age when taken in;
- form: links, numbers, images, length, capitals, exclamation marks, a "share gấp" tail;
- similarity: the matching decision against the claims already checked (none, related, same).

`reasons` turns a post's notable values into the words the queue shows.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from kiemchung.monitoring.triage import (
    CUE_NAMES,
    builtin_logit,
    cue_features,
    cue_vector,
    prepare_for_cues,
)
from kiemchung.text.normalize import fold

__all__ = [
    "DENSE_NAMES",
    "GROUPS",
    "WORD_DENSE",
    "PostMeta",
    "dense_of",
    "dense_row",
    "dense_rows",
    "local_zone",
    "meta_reasons",
    "with_meta",
    "word_features",
    "word_rows",
]

SIMILARITY_CODES = {"none": 0.0, "related": 1.0, "same": 2.0}

ENGAGEMENT = (
    "likes_log", "comments_log", "shares_log", "engagement_log",
    "comments_per_like", "shares_per_like", "shares_per_comment",
)
TIME = ("hour", "weekday", "age_hours_log")
FORM = (
    "links", "numbers", "images", "chars_log", "words_log", "caps_ratio", "caps_words",
    "exclamations", "questions", "share_tail", "emoji_like", "lines",
)
SIMILARITY = ("similarity",)
CUES_DENSE = (*CUE_NAMES, "builtin_logit")

DENSE_NAMES: tuple[str, ...] = (*CUES_DENSE, *ENGAGEMENT, *TIME, *FORM, *SIMILARITY)
# The features a post's words alone decide (images aside), kept between retrainings.
WORD_DENSE: tuple[str, ...] = (*CUES_DENSE, *FORM)
_IMAGES = FORM.index("images")
GROUPS: dict[str, tuple[str, ...]] = {
    "cues": CUES_DENSE,
    "engagement": ENGAGEMENT,
    "time": TIME,
    "form": FORM,
    "similarity": SIMILARITY,
}

_LINK_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:vn|com|net|org|ly|me|info)\b/?\S*",
                      re.IGNORECASE)
_NUMBER_RE = re.compile(r"\d[\d.,]*")
_WORD_RE = re.compile(r"[^\W\d_]+")
# Folded calls to share, as they end rumours ("share gấp", "ai cũng nên biết").
_SHARE_TAIL_RE = re.compile(
    r"(?<!\w)(?:share gap|sh gap|chia se gap|chia se ngay|share ngay|hay chia se|hay share|"
    r"moi nguoi share|lan toa|hay lan toa|ai cung nen biet|cho moi nguoi cung biet|"
    r"truoc khi bi xoa|gap gap|share de|chia se de)(?!\w)"
)
_SYMBOL_RE = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")


@dataclass(frozen=True)
class PostMeta:
    """What is known about a post beyond its text; None means not known."""

    likes: float | None = None
    comments: float | None = None
    shares: float | None = None
    published_at: datetime | None = None
    imported_at: datetime | None = None
    images: int | None = None
    similarity: str | None = None  # "none", "related", "same"; None when not looked up


def _log(value: float | None) -> float:
    return math.nan if value is None else math.log1p(max(float(value), 0.0))


def _ratio(top: float | None, bottom: float | None) -> float:
    if top is None or bottom is None:
        return math.nan
    return math.log1p(max(top, 0.0)) - math.log1p(max(bottom, 0.0))


def _engagement(meta: PostMeta) -> list[float]:
    known = [v for v in (meta.likes, meta.comments, meta.shares) if v is not None]
    total = math.log1p(sum(max(v, 0.0) for v in known)) if known else math.nan
    return [
        _log(meta.likes), _log(meta.comments), _log(meta.shares), total,
        _ratio(meta.comments, meta.likes), _ratio(meta.shares, meta.likes),
        _ratio(meta.shares, meta.comments),
    ]


def local_zone() -> str:
    """The newsroom's time zone (KIEMCHUNG_TIME_ZONE), by name: a helper process reading posts
    is given it rather than reading Django's settings."""
    from django.conf import settings

    return str(settings.TIME_ZONE)


def _local(when: datetime, zone: str | None = None) -> datetime:
    from zoneinfo import ZoneInfo

    if when.tzinfo is None:
        return when
    return when.astimezone(ZoneInfo(zone or local_zone()))


def _time(meta: PostMeta, zone: str | None) -> list[float]:
    if meta.published_at is None:
        return [math.nan, math.nan, math.nan]
    local = _local(meta.published_at, zone)
    age = math.nan
    if meta.imported_at is not None:
        try:
            seconds = (meta.imported_at - meta.published_at).total_seconds()
        except TypeError:  # one aware, one naive
            seconds = math.nan
        if not math.isnan(seconds):
            age = math.log1p(max(seconds, 0.0) / 3600)
    return [float(local.hour), float(local.weekday()), age]


def _form(text: str, folded: str, images: int | None) -> list[float]:
    words = _WORD_RE.findall(text)
    letters = [ch for ch in text if ch.isalpha()]
    caps = sum(1 for ch in letters if ch.isupper())
    caps_words = sum(1 for w in words if len(w) >= 3 and w.isupper())
    return [
        float(len(_LINK_RE.findall(text))),
        float(len(_NUMBER_RE.findall(text))),
        math.nan if images is None else float(max(images, 0)),
        math.log1p(len(text)),
        math.log1p(len(words)),
        caps / len(letters) if letters else 0.0,
        float(caps_words),
        float(text.count("!")),
        float(text.count("?")),
        1.0 if _SHARE_TAIL_RE.search(folded) else 0.0,
        float(len(_SYMBOL_RE.findall(text))),
        float(text.count("\n")),
    ]


def word_features(text: str, *, prepared: tuple[str, str] | None = None,
                  features: dict[str, float] | None = None) -> list[float]:
    """The dense features a post's words alone decide, in WORD_DENSE order (the cues and the
    form, images unknown): the part of its row that never changes, so retraining can keep it.
    `prepared` (the cleaned and folded text) and `features` (the cue strengths) are passed
    when the caller has them already."""
    if features is None:
        features = cue_features(text, prepared)[0]
    return [*cue_vector(features), builtin_logit(features),
            *_form(text[:20000], fold(text[:20000]), None)]


def with_meta(words: Sequence[float], meta: PostMeta | None = None,
              zone: str | None = None) -> list[float]:
    """A post's dense row (DENSE_NAMES order) from its `word_features` and what is known of it
    beside its text."""
    meta = meta or PostMeta()
    cues, form = list(words[:len(CUES_DENSE)]), list(words[len(CUES_DENSE):])
    form[_IMAGES] = math.nan if meta.images is None else float(max(meta.images, 0))
    similarity = math.nan if meta.similarity is None else SIMILARITY_CODES.get(
        meta.similarity, math.nan)
    return [*cues, *_engagement(meta), *_time(meta, zone), *form, similarity]


def dense_row(text: str, meta: PostMeta | None = None, *,
              prepared: tuple[str, str] | None = None,
              features: dict[str, float] | None = None,
              zone: str | None = None) -> list[float]:
    """The dense features of one post in DENSE_NAMES order."""
    return with_meta(word_features(text, prepared=prepared, features=features), meta, zone)


def word_rows(texts: Sequence[str], prepared: Sequence[tuple[str, str]]) -> np.ndarray:
    """`word_features` of each post, one row each."""
    rows = [word_features(t, prepared=p) for t, p in zip(texts, prepared, strict=True)]
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), len(WORD_DENSE))


def dense_of(words: np.ndarray, metas: Sequence[PostMeta | None] | None = None,
             zone: str | None = None) -> np.ndarray:
    """Dense rows from `word_rows` and what is known of each post beside its text."""
    metas = metas if metas is not None else [None] * len(words)
    zone = zone or local_zone()
    rows = [with_meta(w, m, zone) for w, m in zip(words.tolist(), metas, strict=True)]
    return np.asarray(rows, dtype=np.float64).reshape(len(words), len(DENSE_NAMES))


def dense_rows(texts: Sequence[str], metas: Sequence[PostMeta | None] | None = None) -> Any:
    return dense_of(word_rows(texts, [prepare_for_cues(t) for t in texts]), metas)


def _compact(number: float) -> str:
    if number >= 1_000_000:
        return f"{number / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if number >= 1_000:
        return f"{number / 1_000:.1f}".rstrip("0").rstrip(".") + "k"
    return str(int(number))


def meta_reasons(text: str, meta: PostMeta | None = None) -> list[dict[str, str]]:
    """The post's notable spread, form and similarity, each as {"code", "words"}: the queue
    shows the words next to the cues."""
    from django.utils.translation import gettext as _

    meta = meta or PostMeta()
    out: list[dict[str, str]] = []
    if meta.similarity == "same":
        out.append({"code": "similar_same", "words": _("cùng một nhận định đã kiểm chứng")})
    elif meta.similarity == "related":
        out.append({"code": "similar_related",
                    "words": _("liên quan đến một nhận định đã kiểm chứng")})
    if meta.shares is not None and meta.shares >= 100:
        out.append({"code": "shares", "words": _("nhiều lượt chia sẻ (%(n)s)")
                    % {"n": _compact(meta.shares)}})
    if (meta.shares is not None and meta.likes is not None and meta.shares >= 20
            and meta.shares > meta.likes):
        out.append({"code": "shares_over_likes",
                    "words": _("được chia sẻ nhiều hơn được thích")})
    if meta.comments is not None and meta.comments >= 100:
        out.append({"code": "comments", "words": _("nhiều bình luận (%(n)s)")
                    % {"n": _compact(meta.comments)}})
    folded = fold(text[:20000])
    if _SHARE_TAIL_RE.search(folded):
        out.append({"code": "share_tail", "words": _("kêu gọi chia sẻ gấp")})
    words = _WORD_RE.findall(text)
    if sum(1 for w in words if len(w) >= 3 and w.isupper()) >= 3:
        out.append({"code": "caps", "words": _("viết hoa toàn bộ nhiều chữ")})
    if text.count("!") >= 3:
        out.append({"code": "exclamations", "words": _("nhiều dấu chấm than")})
    if _LINK_RE.search(text):
        out.append({"code": "links", "words": _("có đường dẫn")})
    if meta.images:
        out.append({"code": "images", "words": _("có ảnh")})
    if meta.published_at is not None:
        hour = _local(meta.published_at).hour
        if hour < 6:
            out.append({"code": "night", "words": _("đăng lúc nửa đêm về sáng")})
    return out
