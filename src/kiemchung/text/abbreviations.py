"""Abbreviations and teencode as people type them in posts and chats."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

__all__ = ["ABBREVIATIONS", "expand_abbreviations"]

# Curated: only forms that are unambiguous in a post about a claim. Formal acronyms that news
# text also uses (BHXH, TP, UBND) are left alone so that posts still match the records.
_TABLE: dict[str, str] = {
    "ko": "không", "k": "không", "kg": "không", "khg": "không", "hok": "không",
    "hem": "không", "hk": "không", "kô": "không", "khum": "không",
    "kbh": "không bao giờ", "kp": "không phải", "kcj": "không có gì",
    "dc": "được", "đc": "được", "dk": "được", "đk": "được", "dcj": "được",
    "ng": "người", "ngta": "người ta", "mn": "mọi người", "mng": "mọi người", "mnguoi": "mọi người",
    "j": "gì", "ji": "gì", "vs": "với", "r": "rồi", "rùi": "rồi", "trc": "trước", "trk": "trước",
    "bh": "bao giờ", "bjo": "bây giờ", "bgio": "bây giờ", "bgjo": "bây giờ",
    "cx": "cũng", "cg": "cũng", "ms": "mới", "nx": "nữa", "ns": "nói", "bt": "biết",
    "bít": "biết", "bik": "biết", "bn": "bao nhiêu", "ntn": "như thế nào",
    "z": "vậy", "zậy": "vậy", "v": "vậy", "dzậy": "vậy", "lm": "làm", "tl": "trả lời",
    "kq": "kết quả", "tg": "thời gian", "đt": "điện thoại",
    "nt": "nhắn tin", "ib": "nhắn tin", "mk": "mình", "mik": "mình", "mjk": "mình",
    "nhìu": "nhiều", "nhiu": "nhiều", "wa": "quá", "qá": "quá", "iu": "yêu", "thik": "thích",
    "ck": "chồng", "vk": "vợ", "ae": "anh em", "sn": "sinh nhật", "bv": "bệnh viện",
    "bs": "bác sĩ", "cty": "công ty", "ctv": "cộng tác viên", "hs": "học sinh",
    "sv": "sinh viên", "gv": "giáo viên", "ad": "quản trị viên", "fb": "Facebook",
    "sdt": "số điện thoại", "sđt": "số điện thoại", "tk": "tài khoản", "stk": "số tài khoản",
    "vn": "Việt Nam", "hn": "Hà Nội", "sg": "Sài Gòn",
    "hcm": "Hồ Chí Minh", "tphcm": "TP.HCM", "đn": "Đà Nẵng", "cq": "cơ quan",
    "cqcn": "cơ quan chức năng", "ctrinh": "chương trình", "thgian": "thời gian",
    "trg": "trường", "trườg": "trường", "đag": "đang", "dag": "đang", "đg": "đang",
    "ak": "à", "ah": "à", "uk": "ừ", "uh": "ừ",
    "thui": "thôi", "hum": "hôm", "hnay": "hôm nay", "hqua": "hôm qua",
}

ABBREVIATIONS: Mapping[str, str] = MappingProxyType(_TABLE)

# Teencode that is also a unit: after a number or a word that counts ("40.000 đồng mỗi kg",
# "2 kg", "50 k"), "kg" is kilograms and "k" thousands, never "không".
_UNITS = frozenset({"kg", "k"})
_COUNTED_RE = re.compile(r"(?:\d|\b(?:mỗi|moi|một|mot|nửa|nua))\s*$", re.IGNORECASE)


@lru_cache(maxsize=64)
def _compile(keys: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    # Not inside a word, not a number's unit ("10k"), not part of a URL or an e-mail address.
    return re.compile(rf"(?<![\w@./:#-])(?:{alternatives})(?![\w@/-]|\.\w)", re.IGNORECASE)


def expand_abbreviations(text: str, extra: Mapping[str, str] | None = None) -> str:
    """Replace teencode and chat abbreviations with full words ("ko dc" -> "không được").

    ``extra`` adds or overrides entries (a workspace's own table); keys match case-insensitively
    as whole tokens. A single capital letter ("K", "R") is left alone: it is usually an initial.
    """
    if not text:
        return text
    table = dict(_TABLE)
    if extra:
        table.update({k.lower(): v for k, v in extra.items() if k and k.strip()})
    pattern = _compile(tuple(table))

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        low = word.lower()
        if len(low) == 1 and word.isupper():
            return word
        if low in _UNITS and _COUNTED_RE.search(text[max(0, match.start() - 8) : match.start()]):
            return word
        new = table.get(low, word)
        if word[:1].isupper() and not word.isupper():
            return new[:1].upper() + new[1:]
        return new

    return pattern.sub(replace, text)
