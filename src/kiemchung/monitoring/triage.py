"""Check-worthiness cues, the built-in score, and the priority that ranks the triage queue.

Every cue is matched on the diacritic-folded text with teencode expanded, so "ko dc tiem vac
xin" and "không được tiêm vắc xin" fire the same cues. The built-in score is a logistic
function of hand-set cue weights (documented in docs/MONITORING.md); the triage learner
(learner.py) starts from it and moves away from it as the team decides.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _

from kiemchung.text.abbreviations import expand_abbreviations
from kiemchung.text.normalize import fold, normalize
from kiemchung.text.social import clean_post

__all__ = [
    "BIAS",
    "CUES",
    "CUE_NAMES",
    "Assessment",
    "Priority",
    "assess",
    "cue_vector",
    "priority_of",
    "reach_score",
    "velocity_score",
]


def _phrases(words: str) -> re.Pattern[str]:
    """One pattern for folded phrases separated by "|", each matched as whole words."""
    alternatives = sorted((p.strip() for p in words.split("|") if p.strip()), key=len,
                          reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?!\w)")


_PROVINCES = (
    "ha noi|ho chi minh|tphcm|tp hcm|sai gon|da nang|hai phong|can tho|an giang|vung tau|"
    "bac giang|bac kan|bac lieu|bac ninh|ben tre|binh dinh|binh duong|binh phuoc|binh thuan|"
    "ca mau|cao bang|dak lak|dak nong|dien bien|dong nai|dong thap|gia lai|ha giang|ha nam|"
    "ha tinh|hai duong|hau giang|hoa binh|hung yen|khanh hoa|kien giang|kon tum|lai chau|"
    "lam dong|lang son|lao cai|long an|nam dinh|nghe an|ninh binh|ninh thuan|phu tho|phu yen|"
    "quang binh|quang nam|quang ngai|quang ninh|quang tri|soc trang|son la|tay ninh|"
    "thai binh|thai nguyen|thanh hoa|thua thien hue|hue|tien giang|tra vinh|tuyen quang|"
    "vinh long|vinh phuc|yen bai|nha trang|da lat|phu quoc|ha long|viet nam|trung quoc|"
    "nhat ban|han quoc|thai lan|campuchia|singapore|ukraine|chau au|hoa ky|nuoc nga|"
    "tinh|thanh pho|huyen|quan|phuong|thi xa|thi tran|xa"
)
_ORGANISATIONS = (
    "bo y te|bo cong an|bo tai chinh|bo giao duc|bo quoc phong|bo ngoai giao|bo cong thuong|"
    "bo nong nghiep|bo thong tin|bo lao dong|bo tu phap|bo xay dung|bo giao thong|"
    "bo tai nguyen|bo khoa hoc|bo noi vu|bo van hoa|cong an|ubnd|uy ban nhan dan|hdnd|"
    "chinh phu|quoc hoi|thu tuong|chu tich|bo truong|thu truong|so y te|so giao duc|"
    "benh vien|ngan hang nha nuoc|vien kiem sat|toa an|tand|vksnd|who|cdc|evn|vtv|"
    "trung tam kiem soat benh tat|bo chinh tri|trung uong|tong cuc|cuc thue|tap doan|"
    "cong ty|truong dai hoc|dai hoc|lien hop quoc|quan doi|bien phong|canh sat|"
    "ngan hang|bao hiem xa hoi|bhxh|vien pasteur|hoi dong"
)
_EVENTS = (
    "xay ra|bi bat|bat giu|bat khan cap|khoi to|truy na|tu vong|thiet mang|chet|qua doi|"
    "bi thuong|nhap vien|cap cuu|tai nan|va cham|sap|dong cua|pha san|ban hanh|quyet dinh|"
    "phat hien|thu hoi|cam ban|tam dung|dinh chi|huy bo|tang|giam|tang vot|giam manh|"
    "lan truyen|bung phat|ghi nhan|cong bo|thong bao|ap dung|co hieu luc|bat dau|"
    "mat tich|bat coc|danh|cuop|trom|giet|xu phat|phat tien|tich thu|dieu tra"
)
_CAUSAL = (
    "giup|gay ra|gay|lam tang|lam giam|khien|dan den|nguyen nhan|chua khoi|chua duoc|"
    "tri duoc|tri khoi|tieu diet|phong ngua|ngan ngua|hieu qua|tac dung|nguy hiem|"
    "doc hai|an toan|chung minh|nghien cuu"
)
_QUOTE_WORDS = (
    "cho biet|noi rang|tuyen bo|khang dinh|phat bieu|xac nhan|bac bo|thua nhan|"
    "theo ong|theo ba|theo thong tin|theo bao|nguon tin|dan loi|chia se rang"
)
_HEALTH = (
    "ung thu|vac xin|vaccine|tiem chung|covid|corona|virus|vi rut|dich benh|dich|benh|"
    "thuoc|thuc pham chuc nang|chua benh|tieu duong|huyet ap|dot quy|suy than|gan|"
    "nhiem|lay nhiem|ca mac|ca nhiem|bac si|y te|suc khoe|dinh duong|doc to|hoa chat|"
    "ngo doc|thuc pham|sua|nuoc chanh|la cay|thao duoc|dong y|sot xuat huyet|cum|"
    "dau mua khi|tay chan mieng|soi|mang thai|tre so sinh"
)
_FINANCE = (
    "lai suat|ngan hang|tien|gia|thue|chung khoan|co phieu|bitcoin|tien ao|tien dien tu|"
    "ty gia|luong|luong huu|tro cap|bao hiem|vang|xang|dau|gia dien|hoc phi|vien phi|"
    "ngan sach|no|lam phat|gdp|xuat khau|nhap khau|dau tu|loi nhuan|phi|le phi|ve so"
)
_DISASTER = (
    "bao|ap thap|lu|lu quet|ngap|ngap lut|dong dat|song than|sat lo|chay|chay rung|no|"
    "han han|xam nhap man|mua lon|mua da|loc xoay|thien tai|cuu ho|so tan|vo de|"
    "o nhiem|ret dam|nang nong"
)
_SCAM = (
    "trung thuong|nhan thuong|qua tang|qua mien phi|chuyen khoan|ma otp|otp|mat khau|"
    "tai khoan bi khoa|xac minh tai khoan|lua dao|gia danh|viec nhe luong cao|da cap|"
    "loi nhuan cao|nhan tien|vay tien|vay nhanh|dang ky nhan|bam vao link|click vao|"
    "so tai khoan|nap tien|hoan tien|cuoc goi|tin nhan la|dinh danh dien tu|vneid"
)
_MIRACLE = (
    "chua khoi|chua dut diem|tri dut diem|tri khoi|khoi han|than duoc|thai doc|"
    "tieu diet te bao ung thu|khang sinh tu nhien|bai thuoc|meo dan gian|khong can thuoc|"
    "khong can uong thuoc|bo thuoc|chua bach benh"
)
_RUMOUR = (
    "nghe noi|tin nong|canh bao|su that|bi che giau|khan cap|khan|bao dong|chan dong|"
    "gay soc|xon xao|lan truyen|bi xoa|truyen thong khong dua tin|it ai biet|dung tin|"
    "tin don|bi mat|cuc ky nguy hiem|dang lo ngai"
)
_POLICY = (
    "luat|nghi dinh|thong tu|quy dinh|chinh sach|cam|bat buoc|phat|xu phat|de xuat|"
    "du thao|quyet dinh|chi thi|cong van|bau cu|dai bieu|tham nhung|hoi lo"
)
_OPINION = (
    "toi nghi|minh nghi|theo minh|theo toi|minh thay|toi thay|cam thay|that la|qua dep|"
    "tuyet voi|dep qua|xinh|yeu|thich|ghet|chan|buon|vui|hay qua|de thuong|hihi|haha|"
    "kkk|hic|huhu|thuong qua|ngon|dang yeu|ung ho|tu hao|mong|uoc gi"
)
_GREETING = (
    "chuc mung|chao buoi sang|chao ca nha|chao moi nguoi|chuc|cam on|xin cam on|"
    "happy|good morning|good night|sinh nhat vui ve|chuc ngu ngon|hpbd|chuc mung nam moi|"
    "nam moi|giang sinh vui ve|merry christmas|cuoi tuan vui ve|binh an|an lanh|"
    "ngay moi tot lanh|tam biet"
)
_ADVERTISING = (
    "giam gia|khuyen mai|sale|mua ngay|freeship|free ship|inbox|nhan tin|lien he|dat hang|"
    "order|shop|gia chi|uu dai|ma giam|hotline|zalo|ship cod|cod|san pham|hang chinh hang|"
    "con hang|size|dat lich|dang ky ngay|tuyen dung|tuyen ctv|gia tot|gia re|combo|"
    "flash sale|livestream|ban buon|si le"
)

_NUMBER_RE = re.compile(r"\d")
_NUMBER_SHOWN_RE = re.compile(r"\d[\d.,/]*")
_NUMBERS_RE = re.compile(r"\d[\d.,]*")
_RUN_TOKEN_RE = re.compile(r"[^\W\d_]+|[.!?…]|\S")
_QUANTITY_RE = re.compile(
    r"\d[\d.,]*\s*(?:%|phan tram|ty|trieu|nghin|ngan|dong|vnd|usd|\$|do c|do|kg|tan|km|m2|ha|"
    r"ca|nguoi|lan|tuoi|nam|thang|gio|phut)(?!\w)"
    r"|(?<!\w)(?:hang|vai|nhieu) (?:tram|nghin|trieu|ty|chuc)(?!\w)"
)
_DATE_RE = re.compile(
    r"(?<!\w)(?:ngay \d{1,2}|thang \d{1,2}|nam (?:19|20)\d\d|\d{1,2}/\d{1,2}(?:/\d{2,4})?|"
    r"hom nay|hom qua|sang nay|toi qua|chieu nay|dem qua|tuan truoc|tuan nay|thang truoc|"
    r"vua qua|moi day|gan day)(?!\w)"
)
_QUOTE_RE = re.compile(r"[“”\"«»]")
_SENTENCE_END = frozenset(".!?…")

# code, pattern, weight. A pattern either counts matches (sets a 0..1 feature saturating at
# `saturate` matches) or fires once.
_PATTERNS: dict[str, re.Pattern[str]] = {
    "quantity": _QUANTITY_RE,
    "date": _DATE_RE,
    "place": _phrases(_PROVINCES),
    "organisation": _phrases(_ORGANISATIONS),
    "event": _phrases(_EVENTS),
    "causal": _phrases(_CAUSAL),
    "attribution": _phrases(_QUOTE_WORDS),
    "health": _phrases(_HEALTH),
    "miracle": _phrases(_MIRACLE),
    "finance": _phrases(_FINANCE),
    "disaster": _phrases(_DISASTER),
    "scam": _phrases(_SCAM),
    "rumour": _phrases(_RUMOUR),
    "policy": _phrases(_POLICY),
    "opinion": _phrases(_OPINION),
    "greeting": _phrases(_GREETING),
    "advertising": _phrases(_ADVERTISING),
}

BIAS = -1.8

# The built-in model: cue -> weight on the logit. Positive cues say "there is a checkable
# statement here"; negative ones say "opinion, greeting or advertising".
CUES: dict[str, float] = {
    "number": 0.7,
    "numbers_many": 0.3,
    "quantity": 0.6,
    "date": 0.4,
    "named": 0.6,
    "place": 0.4,
    "organisation": 0.8,
    "event": 0.7,
    "causal": 0.6,
    "quote": 0.4,
    "attribution": 0.6,
    "health": 0.9,
    "miracle": 0.8,
    "finance": 0.6,
    "disaster": 0.8,
    "scam": 1.0,
    "rumour": 0.7,
    "policy": 0.5,
    "long": 0.3,
    "opinion": -0.8,
    "greeting": -1.8,
    "advertising": -1.6,
    "question": -0.5,
    "short": -1.4,
}
CUE_NAMES: tuple[str, ...] = tuple(CUES)

CUE_LABELS = {
    "number": _("có con số"),
    "numbers_many": _("nhiều con số"),
    "quantity": _("số lượng, tiền, tỉ lệ"),
    "date": _("ngày giờ"),
    "named": _("tên riêng"),
    "place": _("địa danh"),
    "organisation": _("cơ quan, tổ chức"),
    "event": _("sự kiện"),
    "causal": _("khẳng định nhân quả"),
    "quote": _("trích dẫn"),
    "attribution": _("dẫn lời"),
    "health": _("sức khỏe"),
    "miracle": _("chữa bệnh thần kỳ"),
    "finance": _("tài chính"),
    "disaster": _("thiên tai, tai nạn"),
    "scam": _("dấu hiệu lừa đảo"),
    "rumour": _("tin đồn, giật gân"),
    "policy": _("chính sách, pháp luật"),
    "long": _("bài dài"),
    "opinion": _("ý kiến cá nhân"),
    "greeting": _("lời chúc, chào hỏi"),
    "advertising": _("quảng cáo"),
    "question": _("câu hỏi"),
    "short": _("quá ngắn"),
}

# Topic of an item: the domain cue with the most matches (ties in this order).
TOPICS = ("scam", "health", "disaster", "finance", "policy")

# Cues that add to the score only when a claim-like cue is present as well: "cảm ơn bác sĩ"
# mentions health but states nothing.
_NEEDS_CLAIM = frozenset({"health", "finance", "disaster", "policy", "place"})
_CLAIM_LIKE = frozenset({"number", "quantity", "date", "event", "causal", "attribution",
                         "quote", "scam", "rumour", "organisation", "named", "miracle"})


@dataclass(frozen=True)
class Cue:
    """One cue found in a text: its code, weight and the words that fired it."""

    code: str
    weight: float
    evidence: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"cue": self.code, "weight": self.weight, "evidence": self.evidence}


@dataclass(frozen=True)
class Assessment:
    """The built-in check-worthiness of a text with the cues behind it."""

    score: float
    logit: float
    cues: tuple[Cue, ...]
    topic: str
    features: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=8192)
def clean_text(text: str) -> str:
    """The post without URLs, emoji, mentions and share tails (`clean_post`), remembered:
    deduplication, cues and matching all read it, and it is the costly step."""
    return clean_post(normalize(text[:20000])).text


def prepare_for_cues(text: str) -> tuple[str, str]:
    """The cleaned text (URLs, emoji, share tails gone) and its folded, expanded form."""
    clean = clean_text(text)
    return clean, fold(expand_abbreviations(clean))


def _named_runs(clean: str) -> list[str]:
    """Runs of two or more capitalised words that do not merely start a sentence."""
    runs: list[str] = []
    current: list[str] = []
    for token in _RUN_TOKEN_RE.findall(clean):
        if token in _SENTENCE_END:
            if len(current) >= 2:
                runs.append(" ".join(current))
            current = []
            continue
        if not token[:1].isalpha():
            if len(current) >= 2:
                runs.append(" ".join(current))
            current = []
            continue
        if token[0].isupper() and not token.isupper():
            # The first word of a sentence is capitalised anyway: a run needs two words.
            current.append(token)
        elif token.isupper() and len(token) >= 2:
            current.append(token)
        else:
            if len(current) >= 2:
                runs.append(" ".join(current))
            current = []
    if len(current) >= 2:
        runs.append(" ".join(current))
    return runs


def cue_features(
    text: str, prepared: tuple[str, str] | None = None
) -> tuple[dict[str, float], dict[str, str], int]:
    """Each cue's strength in [0, 1], the words that fired it, and the topic counts.
    `prepared` is `prepare_for_cues(text)` when the caller already has it."""
    clean, folded = prepared if prepared is not None else prepare_for_cues(text)
    words = folded.split()
    found: dict[str, float] = {}
    evidence: dict[str, str] = {}
    numbers = _NUMBER_RE.findall(folded)
    if numbers:
        found["number"] = 1.0
        evidence["number"] = next(iter(_NUMBER_SHOWN_RE.findall(clean)), "")
        if len(_NUMBERS_RE.findall(folded)) >= 3:
            found["numbers_many"] = 1.0
    for code, pattern in _PATTERNS.items():
        hits = pattern.findall(folded)
        if hits:
            found[code] = (1.0 if len(hits) >= 2 else 0.6) if code in TOPICS else 1.0
            first = hits[0] if isinstance(hits[0], str) else hits[0][0]
            evidence[code] = first
    runs = _named_runs(clean)
    if runs:
        found["named"] = 1.0
        evidence["named"] = runs[0]
    if _QUOTE_RE.search(clean):
        found["quote"] = 1.0
    if len(words) > 25:
        found["long"] = 1.0
    if len(words) < 6:
        found["short"] = 1.0
    if clean.rstrip().endswith("?") and "number" not in found:
        found["question"] = 1.0
    if not any(code in found for code in _CLAIM_LIKE):
        for code in _NEEDS_CLAIM:
            found[code] = found.get(code, 0.0) * 0.3
    return found, evidence, len(words)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def cue_vector(features: dict[str, float]) -> list[float]:
    """The cue strengths in CUE_NAMES order (the learner's cue columns)."""
    return [float(features.get(code, 0.0)) for code in CUE_NAMES]


def builtin_logit(features: dict[str, float]) -> float:
    return BIAS + sum(CUES[code] * value for code, value in features.items() if code in CUES)


def assess(text: str, prepared: tuple[str, str] | None = None) -> Assessment:
    """The built-in check-worthiness of `text` (0..1) with the cues that moved it."""
    features, evidence, _words = cue_features(text, prepared)
    logit = builtin_logit(features)
    cues = tuple(
        Cue(code, round(CUES[code] * value, 3), evidence.get(code, ""))
        for code, value in sorted(features.items(), key=lambda kv: -abs(CUES[kv[0]] * kv[1]))
        if value > 0
    )
    topic = ""
    best = 0.0
    for code in TOPICS:
        if features.get(code, 0.0) > best:
            topic, best = code, features[code]
    return Assessment(
        score=_sigmoid(logit), logit=logit, cues=cues, topic=topic, features=features
    )


def reach_score(*, reactions: int, comments: int, shares: int, views: int) -> float:
    """0..1 on a log scale: a weighted engagement of 100,000 reaches 1."""
    weighted = reactions + 2 * comments + 3 * shares + views / 100
    return min(1.0, math.log10(1 + max(weighted, 0)) / 5)


def velocity_score(*, copies: int, per_hour: float) -> float:
    """0..1: how fast copies arrive (30 an hour reaches 1) and how many there are already."""
    rate = min(1.0, math.log2(1 + max(per_hour, 0.0)) / math.log2(31))
    spread = min(1.0, math.log2(max(copies, 1)) / math.log2(64))
    return max(rate, spread)


# How the parts of the priority combine. Check-worthiness gates everything: an advert with a
# huge reach still ranks low.
WEIGHT_REACH = 0.3
WEIGHT_VELOCITY = 0.2
ANSWERED_FACTOR = 0.5


@dataclass(frozen=True)
class Priority:
    value: float
    reach: float
    velocity: float


def priority_of(
    *,
    checkworthiness: float,
    reactions: int,
    comments: int,
    shares: int,
    views: int,
    copies: int,
    per_hour: float,
    answered: bool,
) -> Priority:
    """0..100: check-worthiness × (0.5 + 0.3 reach + 0.2 velocity), halved when answered."""
    reach = reach_score(reactions=reactions, comments=comments, shares=shares, views=views)
    velocity = velocity_score(copies=copies, per_hour=per_hour)
    value = 100 * checkworthiness * (1 - WEIGHT_REACH - WEIGHT_VELOCITY
                                     + WEIGHT_REACH * reach + WEIGHT_VELOCITY * velocity)
    if answered:
        value *= ANSWERED_FACTOR
    return Priority(round(value, 3), round(reach, 3), round(velocity, 3))


def cue_list(cues: Iterable[Cue]) -> list[dict[str, Any]]:
    return [cue.as_dict() for cue in cues]
