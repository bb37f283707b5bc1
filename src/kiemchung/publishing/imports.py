"""ClaimReview in: other fact-checkers' reviews from a feed, a page's JSON-LD or a file.

Each review is parsed strictly. One with a missing or malformed field is reported with what is
wrong and where it was, and skipped; the others are imported. A review is known by its URL:
importing it again updates it when its content changed (compared by a hash of the parsed
fields) and leaves it alone otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemchung.accounts.models import Member, Workspace
from kiemchung.accounts.permissions import Action, require
from kiemchung.accounts.selectors import member_for
from kiemchung.audit.services import audit_record
from kiemchung.core import http
from kiemchung.core.tasks import enqueue_on_commit
from kiemchung.publishing.models import (
    ClaimReviewSource,
    ClaimReviewSourceKind,
    ExternalFactCheck,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)

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


def _check_url(value: Any, name: str, errors: list[str], *, required: bool) -> str:
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
                url = _check_url(candidate.get("url"), f"{key}.url", errors, required=False)
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
            url = _check_url(raw, name, errors, required=True)
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
    url = _check_url(node.get("url"), "url", errors, required=True)
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


# Storing.


def _store(source: ClaimReviewSource, review: Review, report: ImportReport) -> int | None:
    digest = review.content_hash()
    values = {
        "source": source,
        "publisher_name": review.publisher_name,
        "publisher_url": review.publisher_url,
        "claim_reviewed": review.claim_reviewed,
        "rating_label": review.rating_label,
        "rating_value": review.rating_value,
        "best_rating": review.best_rating,
        "worst_rating": review.worst_rating,
        "date_published": review.date_published,
        "appearance_url": review.appearance_url,
        "language": review.language,
        "raw": review.raw,
        "content_hash": digest,
    }
    existing = ExternalFactCheck.objects.filter(
        workspace_id=source.workspace_id, url=review.url
    ).first()
    if existing is None:
        created = ExternalFactCheck.objects.create(
            workspace_id=source.workspace_id, url=review.url, **values
        )
        report.created += 1
        return created.pk
    if existing.content_hash == digest:
        report.unchanged += 1
        return None
    for name, value in values.items():
        setattr(existing, name, value)
    existing.save()
    report.updated += 1
    return existing.pk


def _index_changed(workspace_id: int, pks: list[int]) -> None:
    """Tell the matching index which external fact-checks to read again."""
    if not pks:
        return
    from kiemchung.claims import matching

    changed = getattr(matching, "index_changed", None)
    if changed is not None and getattr(matching, "KIND_EXTERNAL", None):
        changed(
            workspace_id=workspace_id,
            records=[f"{matching.KIND_EXTERNAL}:{pk}" for pk in pks],
        )


Progress = Callable[[int, int], None]


def document_import(
    *,
    source: ClaimReviewSource,
    text: str,
    kind: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import every well-formed review of a document into the source's workspace."""
    nodes, problems = read_document(text, kind=kind or source.kind)
    report = ImportReport(problems=list(problems))
    if len(nodes) > ITEMS_MAX:
        report.error = _("Tài liệu có %(count)d mục, nhiều hơn giới hạn %(max)d") % {
            "count": len(nodes),
            "max": ITEMS_MAX,
        }
        return report
    changed: list[int] = []
    with transaction.atomic():
        for done, (position, node) in enumerate(nodes, start=1):
            review, errors = parse_claim_review(node)
            if review is None:
                url = node.get("url") if isinstance(node, dict) else None
                report.problems.append(
                    Problem(position, tuple(errors), url if isinstance(url, str) else "")
                )
            else:
                pk = _store(source, review, report)
                if pk is not None:
                    changed.append(pk)
            if progress is not None:
                progress(done, len(nodes))
        _index_changed(source.workspace_id, changed)
    if not nodes and not report.problems:
        report.error = _("Không tìm thấy ClaimReview nào")
    return report


def _finish(source: ClaimReviewSource, report: ImportReport) -> ImportReport:
    source.last_imported_at = timezone.now()
    source.last_error = report.error
    source.last_report = report.as_dict()
    source.save(update_fields=["last_imported_at", "last_error", "last_report", "updated_at"])
    for problem in report.problems[:20]:
        logger.info("ClaimReview from %s skipped: %s", source.name, problem)
    return report


def source_import(*, source_id: int, progress: Progress | None = None) -> ImportReport:
    """Fetch a feed or page source through the HTTP wrapper and import it."""
    source = ClaimReviewSource.objects.select_related("workspace").get(pk=source_id)
    if source.kind == ClaimReviewSourceKind.FILE or not source.url:
        return _finish(
            source, ImportReport(error=_("Nguồn này là tệp tải lên, không tải lại được"))
        )
    try:
        page = http.fetch(source.url)
    except http.FetchError as exc:
        return _finish(source, ImportReport(error=exc.message))
    return _finish(source, document_import(source=source, text=page.text, progress=progress))


def file_import(
    *, source: ClaimReviewSource, content: bytes, progress: Progress | None = None
) -> ImportReport:
    """Import an uploaded JSON, JSON Lines or HTML file into a source."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _finish(source, ImportReport(error=_("Tệp không phải văn bản UTF-8")))
    report = document_import(
        source=source, text=text, kind=ClaimReviewSourceKind.FILE, progress=progress
    )
    return _finish(source, report)


# Sources, as the newsroom manages them.


def _manager(*, actor: User | AnonymousUser, workspace: Workspace) -> Member:
    member = member_for(user=actor, workspace=workspace)
    require(member, Action.MANAGE_WORKSPACE)
    assert member is not None
    return member


def _clean_name(name: str | None) -> str:
    value = (name or "").strip()
    if not value:
        raise ValidationError({"name": _("Hãy ghi tên nhóm kiểm chứng.")})
    if len(value) > 160:
        raise ValidationError({"name": _("Tên tối đa %(max)d ký tự.") % {"max": 160}})
    return value


def claimreview_source_add(
    *,
    workspace: Workspace,
    actor: User | AnonymousUser,
    name: str,
    kind: str,
    url: str,
) -> ClaimReviewSource:
    """Subscribe to a feed or page of another team; its first import is queued at once."""
    member = _manager(actor=actor, workspace=workspace)
    if kind not in (ClaimReviewSourceKind.FEED, ClaimReviewSourceKind.PAGE):
        raise ValidationError({"kind": _("Chọn nguồn dữ liệu hoặc trang có JSON-LD.")})
    errors: list[str] = []
    clean_url = _check_url((url or "").strip(), "url", errors, required=True)
    if errors:
        raise ValidationError({"url": _("Hãy nhập một địa chỉ http(s) hợp lệ.")})
    if ClaimReviewSource.objects.filter(workspace=workspace, url=clean_url).exists():
        raise ValidationError({"url": _("Nhóm đã theo dõi địa chỉ này.")})
    source = ClaimReviewSource.objects.create(
        workspace=workspace, name=_clean_name(name), kind=kind, url=clean_url
    )
    audit_record(
        workspace=workspace,
        actor=member.user,
        action="claimreview_source.create",
        obj=source,
        after={"name": source.name, "kind": kind, "url": clean_url},
    )
    claimreview_source_refresh_queue(source=source)
    return source


def claimreview_source_refresh_queue(*, source: ClaimReviewSource) -> None:
    from kiemchung.publishing.tasks import claimreview_source_import

    enqueue_on_commit(claimreview_source_import, source.pk)


def claimreview_source_refresh(
    *, source: ClaimReviewSource, actor: User | AnonymousUser
) -> None:
    """Import a subscribed source again now (in the background)."""
    _manager(actor=actor, workspace=source.workspace)
    if source.kind == ClaimReviewSourceKind.FILE:
        raise ValidationError(_("Nguồn này là tệp tải lên; hãy tải tệp mới lên."))
    claimreview_source_refresh_queue(source=source)


def claimreview_file_upload(
    *,
    workspace: Workspace,
    actor: User | AnonymousUser,
    name: str,
    content: bytes,
    source: ClaimReviewSource | None = None,
) -> tuple[ClaimReviewSource, ImportReport]:
    """Import an uploaded file, into a new file source or again into an existing one."""
    member = _manager(actor=actor, workspace=workspace)
    if len(content) > settings.UPLOAD_MAX_MB * 1024 * 1024:
        raise ValidationError(
            {"file": _("Tệp lớn hơn %(mb)d MB.") % {"mb": settings.UPLOAD_MAX_MB}}
        )
    if source is None:
        source = ClaimReviewSource.objects.create(
            workspace=workspace, name=_clean_name(name), kind=ClaimReviewSourceKind.FILE
        )
    elif source.workspace_id != workspace.pk or source.kind != ClaimReviewSourceKind.FILE:
        raise ValidationError(_("Chỉ tải tệp lên được cho một nguồn dạng tệp."))
    report = file_import(source=source, content=content)
    audit_record(
        workspace=workspace,
        actor=member.user,
        action="claimreview_source.import",
        obj=source,
        after=report.summary(),
    )
    return source, report


def claimreview_source_set_active(
    *, source: ClaimReviewSource, actor: User | AnonymousUser, active: bool
) -> ClaimReviewSource:
    member = _manager(actor=actor, workspace=source.workspace)
    source.is_active = active
    source.save(update_fields=["is_active", "updated_at"])
    audit_record(
        workspace=source.workspace,
        actor=member.user,
        action="claimreview_source.update",
        obj=source,
        after={"is_active": active},
    )
    return source


def claimreview_source_delete(*, source: ClaimReviewSource, actor: User | AnonymousUser) -> None:
    """Stop following a source and remove the fact-checks imported from it."""
    member = _manager(actor=actor, workspace=source.workspace)
    pks = list(source.factchecks.values_list("pk", flat=True))
    audit_record(
        workspace=source.workspace,
        actor=member.user,
        action="claimreview_source.delete",
        obj=source,
        before={"name": source.name, "url": source.url, "factchecks": len(pks)},
    )
    workspace_id = source.workspace_id
    source.delete()
    _index_changed(workspace_id, pks)


def sources_due(*, source_id: int | None = None) -> list[ClaimReviewSource]:
    """The subscribed sources a scheduled import fetches (or just the one asked for)."""
    sources = ClaimReviewSource.objects.select_related("workspace").exclude(
        kind=ClaimReviewSourceKind.FILE
    )
    if source_id is not None:
        return list(ClaimReviewSource.objects.select_related("workspace").filter(pk=source_id))
    return list(sources.filter(is_active=True).order_by("workspace_id", "pk"))
