"""The writing checklist shown to a verdict's author; its required items gate sending to review."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kiemchung.claims.models import ArchiveStatus, EvidenceKind, FactCheck
from kiemchung.text.normalize import fold

_EDGE_PUNCTUATION = " \t\n\"'“”‘’«».,;:!?…-–—()[]"
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str | Promise
    done: bool
    required: bool
    hint: str | Promise = ""


def _comparable(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return _SPACE_RE.sub(" ", text).strip(_EDGE_PUNCTUATION).casefold()


def claim_is_quoted(factcheck: FactCheck) -> bool:
    """The claim's wording appears word for word (ignoring case and spacing) in body or summary."""
    quote = _comparable(factcheck.claim.text)
    if not quote:
        return False
    return any(
        quote in _comparable(part) for part in (factcheck.summary, factcheck.body) if part
    )


def rating_is_explained(factcheck: FactCheck) -> bool:
    """A rating is chosen and the summary says more than the rating's own label."""
    if factcheck.rating is None or not factcheck.summary.strip():
        return False
    summary_words = _WORD_RE.findall(fold(factcheck.summary))
    label_words = _WORD_RE.findall(fold(factcheck.rating.label))
    return bool(summary_words) and summary_words != label_words


def build_checklist(factcheck: FactCheck) -> list[ChecklistItem]:
    evidence = list(factcheck.claim.evidence.all())
    url_evidence = [e for e in evidence if e.kind == EvidenceKind.URL]
    all_archived = all(e.archive_status == ArchiveStatus.ARCHIVED for e in url_evidence)
    return [
        ChecklistItem(
            key="title",
            label=_("Đã đặt tiêu đề"),
            done=bool(factcheck.title.strip()),
            required=True,
        ),
        ChecklistItem(
            key="rating_explained",
            label=_("Đã chọn kết luận và giải thích nó trong phần tóm tắt"),
            done=rating_is_explained(factcheck),
            required=True,
            hint=_(
                "Tóm tắt cần nói vì sao nhận định được xếp vào mức này, không chỉ nhắc lại nhãn."
            ),
        ),
        ChecklistItem(
            key="has_evidence",
            label=_("Có ít nhất một bằng chứng"),
            done=bool(evidence),
            required=True,
        ),
        ChecklistItem(
            key="claim_quoted",
            label=_("Trích nguyên văn nhận định trong tóm tắt hoặc nội dung"),
            done=claim_is_quoted(factcheck),
            required=False,
            hint=_("Người đọc cần thấy chính xác điều đã được kiểm chứng."),
        ),
        ChecklistItem(
            key="sources_archived",
            label=_("Mọi nguồn dạng đường dẫn đều đã được lưu trữ"),
            done=all_archived,
            required=False,
            hint=_("Bản lưu giữ lại bằng chứng nếu trang gốc bị sửa hoặc gỡ."),
        ),
    ]


def missing_required(items: list[ChecklistItem]) -> list[ChecklistItem]:
    return [item for item in items if item.required and not item.done]
