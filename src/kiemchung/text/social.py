"""URLs, emoji, hashtags, mentions and call-to-share tails in social media posts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import emoji

from kiemchung.text.normalize import fold, fold_aligned, normalize

__all__ = ["CleanPost", "clean_post", "split_hashtag"]

_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:vn|com|net|org|info|gov|edu|io|me|co|tv|news|xyz|online|site|top|ly)"
    r"(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_MENTION_RE = re.compile(r"(?<![\w@])@[\w.]+")
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
_PUNCT_RUN_RE = re.compile(r"([!?.,])[!?.,]+")
_CAMEL_RE = re.compile(r"[A-ZÀ-ỸĐ][a-zà-ỹđ]+|[a-zà-ỹđ]+|[A-ZÀ-ỸĐ]+(?![a-zà-ỹđ])|\d+")

# Folded call-to-share phrases: they carry no claim, only urgency.
_SHARE_TAILS = (
    "share gap", "sh gap", "chia se gap", "chia se ngay", "share ngay", "hay chia se",
    "xin hay chia se", "hay share", "moi nguoi share", "lan toa", "hay lan toa",
    "ai cung nen biet", "cho moi nguoi cung biet", "moi nguoi cung biet", "ai cung phai biet",
    "truoc khi bi xoa", "doc ngay", "xem ngay", "tin nong", "cuc soc", "chia se de",
    "share de", "share cho", "chia se cho", "gap gap", "share nhe", "chia se nhe",
)
_TAIL_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(t) for t in sorted(_SHARE_TAILS, key=len, reverse=True))
    + r")(?!\w)"
)


@dataclass
class CleanPost:
    """A post reduced to its claim text, with what was taken out of it."""

    text: str
    urls: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    emojis: list[str] = field(default_factory=list)


def split_hashtag(tag: str, vocabulary: frozenset[str] | None = None) -> str:
    """Split a hashtag into words: camelCase and underscores first, then known syllables.

    ``vocabulary`` is a set of folded syllables ("tin", "gia"); with it "tingia" -> "tin gia".
    """
    parts = [p for chunk in tag.split("_") for p in _CAMEL_RE.findall(chunk)] or [tag]
    if vocabulary is None:
        return " ".join(parts)
    out: list[str] = []
    for part in parts:
        out.extend(_segment(part, vocabulary) if len(part) > 6 and part.isalpha() else [part])
    return " ".join(out)


def _segment(word: str, vocabulary: frozenset[str]) -> list[str]:
    low = fold(word)
    n = len(low)
    # best[i] = (pieces, unknown_chars) for low[:i]; fewest unknown letters, then fewest pieces.
    best: list[tuple[int, int, int] | None] = [None] * (n + 1)
    best[0] = (0, 0, 0)
    for i in range(1, n + 1):
        for j in range(max(0, i - 7), i):
            prev = best[j]
            if prev is None:
                continue
            piece = low[j:i]
            unknown = 0 if piece in vocabulary else len(piece)
            cand = (prev[0] + unknown, prev[1] + 1, j)
            current = best[i]
            if current is None or cand[:2] < current[:2]:
                best[i] = cand
    final = best[n]
    if final is None or final[0] > 0:
        return [word]
    cuts: list[int] = []
    i = n
    while i > 0:
        cuts.append(i)
        entry = best[i]
        assert entry is not None
        i = entry[2]
    cuts.reverse()
    pieces, start = [], 0
    for end in cuts:
        pieces.append(word[start:end])
        start = end
    return pieces


def _squeeze_repeats(text: str) -> str:
    """"quáaaaa" -> "quá": three or more letters that fold alike become the first one."""
    folded = fold_aligned(text)
    spans = [m.span() for m in _REPEAT_RE.finditer(folded)]
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos : start + 1])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _remove_share_tails(text: str) -> str:
    folded = fold_aligned(text)
    spans = [m.span() for m in _TAIL_RE.finditer(folded)]
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out.append(text[pos:start])
        pos = end
    out.append(text[pos:])
    return "".join(out)


def clean_post(text: str, vocabulary: frozenset[str] | None = None) -> CleanPost:
    """Normalise ``text`` and strip URLs, mentions, emoji and call-to-share phrases.

    Hashtags become words ("#TinGiả" -> "Tin Giả"); repeated letters are squeezed ("quáaaa").
    """
    text = normalize(text)
    post = CleanPost(text="")
    post.urls = _URL_RE.findall(text)
    text = _URL_RE.sub(" ", text)
    post.mentions = _MENTION_RE.findall(text)
    text = _MENTION_RE.sub(" ", text)
    post.emojis = [e["emoji"] for e in emoji.emoji_list(text)]
    if post.emojis:
        text = emoji.replace_emoji(text, " ")
    post.hashtags = _HASHTAG_RE.findall(text)
    text = _HASHTAG_RE.sub(lambda m: " " + split_hashtag(m.group(1), vocabulary) + " ", text)
    text = _squeeze_repeats(text)
    text = _remove_share_tails(text)
    text = _PUNCT_RUN_RE.sub(r"\1", text)
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    text = re.sub(r"(^|\s)[,.!?;:\-–—|]+(?=\s|$)", " ", text)
    post.text = re.sub(r"\s+", " ", text).strip()
    return post
