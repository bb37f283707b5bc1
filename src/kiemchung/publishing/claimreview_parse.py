"""Reading other teams' ClaimReview strictly: from a DataFeed, a JSON array, JSON Lines or a
web page's JSON-LD, each review checked field by field, with its position in the document."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from kiemchung.publishing.models import ClaimReviewSourceKind

URL_MAX = 2000
CLAIM_MAX = 5000
LABEL_MAX = 120
NAME_MAX = 200
# More reviews than this in one document are not read (a feed is not a data dump).
ITEMS_MAX = 20000
# Problems kept in a source's last report; the count says how many there were in all.
PROBLEMS_KEPT = 200

_url_validator = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class Problem:
    """A review that was skipped: where it was in the document and what was wrong with it."""

    position: str
    errors: tuple[str, ...]
    url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "errors": list(self.errors), "url": self.url}

    def __str__(self) -> str:
        where = f"{self.position} ({self.url})" if self.url else self.position
        return f"{where}: {'; '.join(self.errors)}"


@dataclass
class ImportReport:
    """What an import did: counts, the reviews skipped, and an error that stopped it, if any."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    error: str = ""

    @property
    def skipped(self) -> int:
        return len(self.problems)

    def summary(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "error": self.error,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "problems": [p.as_dict() for p in self.problems[:PROBLEMS_KEPT]],
        }


@dataclass(frozen=True)
class Review:
    """One ClaimReview, parsed and checked."""

    url: str
    claim_reviewed: str
    rating_label: str
    rating_value: float | None
    best_rating: float | None
    worst_rating: float | None
    publisher_name: str
    publisher_url: str
    date_published: date
    appearance_url: str
    language: str
    raw: dict[str, Any]

    def content_hash(self) -> str:
        fields = [
            self.url, self.claim_reviewed, self.rating_label, self.rating_value,
            self.best_rating, self.worst_rating, self.publisher_name, self.publisher_url,
            self.date_published.isoformat(), self.appearance_url, self.language,
        ]
        blob = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()


# Reading documents into candidate nodes, each with its position.


Node = tuple[str, Any]


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    values = kind if isinstance(kind, list) else [kind]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def _nodes(data: Any, position: str, *, strict: bool) -> Iterator[Node]:
    """Every node of a JSON(-LD) value that should be a ClaimReview, with where it was.

    STRICT (feeds and files): whatever is not a ClaimReview, a DataFeed or a list of them is
    reported. Otherwise (a web page's JSON-LD) other kinds of node are passed over.
    """
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from _nodes(item, f"{position}[{index}]", strict=strict)
        return
    if not isinstance(data, dict):
        if strict:
            yield position, data
        return
    if "@graph" in data:
        yield from _nodes(data["@graph"], f"{position}.@graph" if position else "@graph",
                          strict=strict)
        return
    types = _types(data)
    if "ClaimReview" in types:
        yield position or "$", data
        return
    if "DataFeed" in types or "dataFeedElement" in data:
        elements = data.get("dataFeedElement")
        if not isinstance(elements, list):
            if strict:
                yield position or "$", data
            return
        prefix = f"{position}.dataFeedElement" if position else "dataFeedElement"
        for index, element in enumerate(elements):
            where = f"{prefix}[{index}]"
            if isinstance(element, dict) and "item" in element and "ClaimReview" not in _types(
                element
            ):
                yield from _nodes(element["item"], f"{where}.item", strict=strict)
            else:
                yield from _nodes(element, where, strict=strict)
        return
    if strict:
        yield position or "$", data


class _JsonLdScripts(HTMLParser):
    """The text of every <script type="application/ld+json"> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            return
        kind = dict(attrs).get("type") or ""
        if kind.split(";", 1)[0].strip().lower() == "application/ld+json":
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def _json_error(exc: json.JSONDecodeError) -> str:
    return _("JSON không hợp lệ (dòng %(line)d, cột %(col)d): %(msg)s") % {
        "line": exc.lineno,
        "col": exc.colno,
        "msg": exc.msg,
    }


def read_page(text: str) -> tuple[list[Node], list[Problem]]:
    """Candidate ClaimReview nodes of a web page's JSON-LD, and scripts that are not JSON."""
    parser = _JsonLdScripts()
    parser.feed(text)
    parser.close()
    nodes: list[Node] = []
    problems: list[Problem] = []
    for index, script in enumerate(parser.scripts, start=1):
        where = f"script[{index}]"
        try:
            data = json.loads(script)
        except json.JSONDecodeError as exc:
            problems.append(Problem(where, (_json_error(exc),)))
            continue
        nodes.extend(_nodes(data, where, strict=False))
    return nodes, problems


def read_json(text: str) -> tuple[list[Node], list[Problem]]:
    """Candidate nodes of a feed: a DataFeed, a JSON array, one ClaimReview, or JSON Lines."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) < 2:
            return [], [Problem("$", (_json_error(exc),))]
        return read_json_lines(text)
    return list(_nodes(data, "", strict=True)), []


def read_json_lines(text: str) -> tuple[list[Node], list[Problem]]:
    nodes: list[Node] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = _("dòng %(n)d") % {"n": number}
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(where, (_json_error(exc),)))
            continue
        for pos, node in _nodes(data, "", strict=True):
            nodes.append((where if pos == "$" else f"{where} {pos}", node))
    return nodes, problems


def read_document(text: str, *, kind: str) -> tuple[list[Node], list[Problem]]:
    if kind == ClaimReviewSourceKind.PAGE:
        return read_page(text)
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return read_page(text)
    return read_json(text)


# Checking one node.


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        cleaned = " ".join(value.split())
        return cleaned or None
    return None


def check_url(value: Any, name: str, errors: list[str], *, required: bool) -> str:
    if value is None or value == "":
        if required:
            errors.append(_("thiếu %(field)s") % {"field": name})
        return ""
    if not isinstance(value, str):
        errors.append(_("%(field)s phải là một địa chỉ") % {"field": name})
        return ""
    url = value.strip()
    try:
        _url_validator(url)
    except ValidationError:
        errors.append(
            _("%(field)s không phải địa chỉ http(s) hợp lệ: %(value)r")
            % {"field": name, "value": url[:100]}
        )
        return ""
    if len(url) > URL_MAX:
        errors.append(_("%(field)s dài quá %(max)d ký tự") % {"field": name, "max": URL_MAX})
        return ""
    return url


def _number(value: Any, name: str, errors: list[str]) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        errors.append(_("%(field)s phải là một số") % {"field": name})
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            errors.append(
                _("%(field)s phải là một số: %(value)r") % {"field": name, "value": value[:40]}
            )
            return None
    else:
        errors.append(_("%(field)s phải là một số") % {"field": name})
        return None
    if not math.isfinite(number):
        errors.append(_("%(field)s phải là một số") % {"field": name})
        return None
    return number


def _day(value: Any, errors: list[str]) -> date | None:
    if not value:
        errors.append(_("thiếu %(field)s") % {"field": "datePublished"})
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
        except ValueError:
            pass
    errors.append(
        _("datePublished không phải ngày hợp lệ (YYYY-MM-DD): %(value)r")
        % {"value": str(value)[:40]}
    )
    return None


def _organisation(node: dict[str, Any], errors: list[str]) -> tuple[str, str]:
    """The name and address of who published the review: author, or else publisher."""
    for key in ("author", "publisher"):
        value = node.get(key)
        candidates = value if isinstance(value, list) else [value]
        for candidate in candidates:
            if isinstance(candidate, dict):
                name = _text(candidate.get("name"))
                if name is None:
                    errors.append(_("%(field)s.name trống hoặc thiếu") % {"field": key})
                    return "", ""
                if len(name) > NAME_MAX:
                    errors.append(
                        _("%(field)s.name dài quá %(max)d ký tự") % {"field": key, "max": NAME_MAX}
                    )
                    return "", ""
                url = check_url(candidate.get("url"), f"{key}.url", errors, required=False)
                return name, url
            if isinstance(candidate, str) and _text(candidate):
                errors.append(
                    _("%(field)s phải là một tổ chức có name (và url), không phải chuỗi")
                    % {"field": key}
                )
                return "", ""
    errors.append(_("thiếu author (hoặc publisher) có name"))
    return "", ""


def _rating(node: dict[str, Any], errors: list[str]) -> tuple[str, float | None, float | None,
                                                             float | None]:
    rating = node.get("reviewRating")
    if isinstance(rating, list) and rating:
        rating = rating[0]
    if not isinstance(rating, dict):
        errors.append(_("thiếu reviewRating") if rating is None else
                      _("reviewRating phải là một đối tượng Rating"))
        return "", None, None, None
    label = _text(rating.get("alternateName"))
    if rating.get("alternateName") is not None and label is None:
        errors.append(_("reviewRating.alternateName phải là chuỗi không trống"))
    value = _number(rating.get("ratingValue"), "reviewRating.ratingValue", errors)
    best = _number(rating.get("bestRating"), "reviewRating.bestRating", errors)
    worst = _number(rating.get("worstRating"), "reviewRating.worstRating", errors)
    if label is None and value is None and rating.get("alternateName") is None:
        errors.append(_("reviewRating cần alternateName hoặc ratingValue"))
    if best is not None and worst is not None and worst >= best:
        errors.append(_("reviewRating.worstRating phải nhỏ hơn bestRating"))
    elif value is not None and (
        (best is not None and value > best) or (worst is not None and value < worst)
    ):
        errors.append(_("reviewRating.ratingValue nằm ngoài thang worstRating–bestRating"))
    if label is not None and len(label) > LABEL_MAX:
        errors.append(
            _("reviewRating.alternateName dài quá %(max)d ký tự") % {"max": LABEL_MAX}
        )
    return label or "", value, best, worst


def _appearance(node: dict[str, Any], errors: list[str]) -> str:
    item = node.get("itemReviewed")
    if item is None:
        return ""
    if not isinstance(item, dict):
        errors.append(_("itemReviewed phải là một đối tượng Claim"))
        return ""
    found = ""
    for key in ("appearance", "firstAppearance"):
        value = item.get(key)
        if value is None:
            continue
        for index, entry in enumerate(value if isinstance(value, list) else [value]):
            name = f"itemReviewed.{key}[{index}].url" if isinstance(value, list) else (
                f"itemReviewed.{key}.url"
            )
            raw = entry.get("url") if isinstance(entry, dict) else entry
            url = check_url(raw, name, errors, required=True)
            found = found or url
    return found


def parse_claim_review(node: Any) -> tuple[Review | None, list[str]]:
    """A checked Review, or None and every reason it is not one."""
    if not isinstance(node, dict):
        return None, [_("không phải một đối tượng JSON")]
    errors: list[str] = []
    if "ClaimReview" not in _types(node):
        errors.append(_("@type không phải ClaimReview"))
        return None, errors
    url = check_url(node.get("url"), "url", errors, required=True)
    claim = _text(node.get("claimReviewed"))
    if claim is None:
        errors.append(_("thiếu claimReviewed") if node.get("claimReviewed") in (None, "") else
                      _("claimReviewed phải là chuỗi không trống"))
    elif len(claim) > CLAIM_MAX:
        errors.append(_("claimReviewed dài quá %(max)d ký tự") % {"max": CLAIM_MAX})
    label, value, best, worst = _rating(node, errors)
    publisher_name, publisher_url = _organisation(node, errors)
    published = _day(node.get("datePublished"), errors)
    appearance = _appearance(node, errors)
    language = node.get("inLanguage")
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name")
    language_code = language.strip()[:12] if isinstance(language, str) else ""
    if errors:
        return None, errors
    assert claim is not None and published is not None
    return (
        Review(
            url=url,
            claim_reviewed=claim,
            rating_label=label,
            rating_value=value,
            best_rating=best,
            worst_rating=worst,
            publisher_name=publisher_name,
            publisher_url=publisher_url,
            date_published=published,
            appearance_url=appearance,
            language=language_code,
            raw=node,
        ),
        [],
    )
