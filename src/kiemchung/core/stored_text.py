"""Messages the product stored in Vietnamese, shown in the reader's language.

The worker writes what went wrong (a delivery refused, a feed that did not load, an image that
did not arrive) into the database in the site's language, Vietnamese, which is also the source
language of every message. So a stored message is a message id, its placeholders filled in.
Shown to someone who reads English, it is matched back to its message id (placeholders
included, a filled-in placeholder that is itself a message is matched too) and translated.
Anything that is not one of the product's messages (a platform's own error text, a person's
words) is shown as stored.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils import translation
from django.utils.translation import trans_real

_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
_NESTING = 3


class _Pattern:
    __slots__ = ("fixed", "prefix", "regex", "suffix", "translated")

    def __init__(self, msgid: str, translated: str) -> None:
        parts: list[str] = []
        seen: set[str] = set()
        position = 0
        for match in _PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[position : match.start()]))
            name, kind = match.groups()
            if name in seen:
                parts.append(f"(?P={name})")
            else:
                seen.add(name)
                parts.append(f"(?P<{name}>-?\\d+)" if kind == "d" else f"(?P<{name}>.+?)")
            position = match.end()
        parts.append(re.escape(msgid[position:]))
        first = _PLACEHOLDER.search(msgid)
        last = list(_PLACEHOLDER.finditer(msgid))[-1]
        self.prefix = msgid[: first.start()] if first else msgid
        self.suffix = msgid[last.end() :]
        self.regex = re.compile("".join(parts), re.S)
        self.translated = translated
        self.fixed = len(_PLACEHOLDER.sub("", msgid))


@lru_cache(maxsize=8)
def _catalogue(language: str) -> tuple[dict[str, str], tuple[_Pattern, ...]]:
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    plain: dict[str, str] = {}
    patterns: list[_Pattern] = []
    for msgid, translated in catalog.items():
        # Plural forms are keyed by tuples, messages with a context by "context\x04id".
        if not isinstance(msgid, str) or not msgid or "\x04" in msgid or msgid == translated:
            continue
        if _PLACEHOLDER.search(msgid):
            # A message that is almost all placeholders would match anything.
            if len(_PLACEHOLDER.sub("", msgid).strip()) >= 4:
                patterns.append(_Pattern(msgid, translated))
        else:
            plain[msgid] = translated
    # The longest fixed wording first: "%(error)s (đã thử %(attempts)d lần)" before "%(error)s".
    patterns.sort(key=lambda p: p.fixed, reverse=True)
    return plain, tuple(patterns)


def _translate(text: str, plain: dict[str, str], patterns: tuple[_Pattern, ...], depth: int) -> str:
    exact = plain.get(text)
    if exact is not None:
        return exact
    if depth >= _NESTING:
        return text
    for pattern in patterns:
        if not (text.startswith(pattern.prefix) and text.endswith(pattern.suffix)):
            continue
        match = pattern.regex.fullmatch(text)
        if match is None:
            continue
        values: dict[str, str | int] = {}
        for name, value in match.groupdict().items():
            if value.lstrip("-").isdigit():
                values[name] = int(value)
            else:
                values[name] = _translate(value, plain, patterns, depth + 1)
        try:
            return pattern.translated % values
        except (KeyError, TypeError, ValueError):
            return text
    return text


def in_reader_language(text: str) -> str:
    """`text` as the reader of this request reads it: translated when it is a stored message."""
    language = translation.get_language() or "vi"
    if not text or language.split("-")[0] == "vi":
        return text
    plain, patterns = _catalogue(language)
    return _translate(text, plain, patterns, 0)
