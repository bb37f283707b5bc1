"""Words that turn a claim into its opposite: antonyms and absolute words.

"Nga bác cáo buộc" and "Nga đồng ý với cáo buộc" share every other word, as do "ít nỗ lực" and
"nhiều nỗ lực", or "tầm ngắn" and "tầm xa". A claim that says one where the other text says its
opposite is not the same claim. Absolute words ("duy nhất", "chỉ có", "hoàn toàn") that one
text adds are another common way a claim overstates what a source said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["ANTONYMS", "Contrast", "absolutes", "contrasts"]

# Pairs of words or phrases with opposite meanings, as they are written in claims.
ANTONYMS: tuple[tuple[str, str], ...] = (
    ("tăng", "giảm"), ("cao", "thấp"), ("nhiều", "ít"), ("lớn", "nhỏ"), ("dài", "ngắn"),
    ("xa", "gần"), ("nhanh", "chậm"), ("mạnh", "yếu"), ("sớm", "muộn"), ("giàu", "nghèo"),
    ("nóng", "lạnh"), ("tốt", "xấu"), ("thắng", "thua"), ("đầu tiên", "cuối cùng"),
    ("đầu tiên", "thứ hai"), ("mở", "đóng"), ("mua", "bán"),
    ("xuất khẩu", "nhập khẩu"), ("lãi", "lỗ"), ("tích cực", "tiêu cực"),
    ("an toàn", "nguy hiểm"), ("hợp pháp", "bất hợp pháp"), ("thành công", "thất bại"),
    ("ủng hộ", "phản đối"), ("đồng ý", "phản đối"), ("đồng ý", "bác"), ("chấp nhận", "bác"),
    ("chấp nhận", "từ chối"), ("đồng ý", "từ chối"), ("cho phép", "cấm"), ("bắt buộc", "tự nguyện"),
    ("sự thật", "sai sự thật"), ("đúng", "sai"), ("thật", "giả"), ("có thật", "bịa đặt"),
    ("hiệu quả cao", "hiệu quả thấp"), ("tăng trưởng", "suy giảm"), ("phục hồi", "suy thoái"),
    ("miễn phí", "thu phí"), ("trong nước", "nước ngoài"), ("nội địa", "quốc tế"),
    ("tầm xa", "tầm ngắn"), ("nam giới", "nữ giới"), ("đàn ông", "phụ nữ"),
    ("người lớn", "trẻ em"), ("tăng cường", "cắt giảm"), ("mở rộng", "thu hẹp"),
    ("ổn định", "biến động"), ("thiếu", "thừa"), ("đủ", "thiếu"), ("hoàn thành", "dở dang"),
    ("bắt giữ", "thả"), ("kết thúc", "bắt đầu"), ("rút", "triển khai"),
)

# Words that make a claim absolute; one a text adds that the other lacks is an overstatement.
ABSOLUTES: tuple[str, ...] = (
    "duy nhất", "chỉ có", "hoàn toàn", "tất cả", "toàn bộ", "mọi", "luôn luôn", "không bao giờ",
    "chưa bao giờ", "100%", "chắc chắn", "tuyệt đối", "vĩnh viễn",
)

_WORD = re.compile(r"[\w%]+")


@dataclass(frozen=True)
class Contrast:
    """One word of a text whose opposite the other text says."""

    left: str
    right: str


def _grams(text: str) -> frozenset[str]:
    # Texts come normalised (matching prepares them once); only the case is folded here.
    words = _WORD.findall(text.lower())
    grams = set(words)
    grams.update(" ".join(words[i : i + 2]) for i in range(len(words) - 1))
    grams.update(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    return frozenset(grams)


@lru_cache(maxsize=4096)
def _grams_cached(text: str) -> frozenset[str]:
    return _grams(text[:5000])


def contrasts(a: str, b: str) -> list[Contrast]:
    """Opposites that ``b`` says where ``a`` says the other word (and not this one); both
    texts normalised (``text.normalize``)."""
    ga, gb = _grams_cached(a), _grams_cached(b)
    found: list[Contrast] = []
    for x, y in ANTONYMS:
        for left, right in ((x, y), (y, x)):
            if left in ga and right in gb and right not in ga and left not in gb:
                found.append(Contrast(left, right))
    return found


def absolutes(a: str, b: str) -> list[str]:
    """Absolute words ``b`` says that ``a`` does not."""
    ga, gb = _grams_cached(a), _grams_cached(b)
    return [w for w in ABSOLUTES if w in gb and w not in ga]
