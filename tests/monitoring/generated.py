"""Generated posts and export files for import and benchmark tests (written by the tests)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

PLACES = ["Hà Nội", "Đà Nẵng", "Cần Thơ", "Lào Cai", "Nghệ An", "Quảng Ninh", "Huế", "Cà Mau"]
SUBJECTS = ["Bộ Y tế", "UBND tỉnh", "Công an huyện", "Bệnh viện tỉnh", "Sở Giáo dục",
            "Ngân hàng Nhà nước", "Chính phủ", "Sở Tài chính"]
CLAIMS = ["sẽ phát miễn phí", "đã xác nhận", "vừa cấm bán", "tăng giá", "cảnh báo về",
          "thu hồi", "giảm thuế cho", "phát hiện"]
OBJECTS = ["vắc xin cúm", "xăng dầu", "sữa bột trẻ em", "thuốc hạ sốt", "gạo", "điện",
           "học phí", "vé tàu Tết", "nước đóng chai", "thẻ bảo hiểm y tế"]
FILLER = [
    "mọi", "người", "cẩn", "thận", "nhé", "thông", "tin", "này", "đang", "lan", "truyền",
    "rất", "nhanh", "trên", "các", "nhóm", "nhiều", "người", "đã", "chia", "sẻ", "lại", "và",
    "bình", "luận", "hỏi", "nhau", "thật", "hay", "giả"
]


def post_text(rng: random.Random, words: int = 50) -> str:
    """A post of about WORDS words: a claim with a number, a place, then chatter."""
    head = (f"{rng.choice(SUBJECTS)} {rng.choice(CLAIMS)} {rng.choice(OBJECTS)} cho "
            f"{rng.randint(2, 9000)} người tại {rng.choice(PLACES)} từ ngày "
            f"{rng.randint(1, 28)}/{rng.randint(1, 12)}")
    tail = [rng.choice(FILLER) for _ in range(max(words - len(head.split()), 0))]
    return f"{head}, {' '.join(tail)}"


def posts(n: int, *, duplicate_share: float = 0.3, seed: int = 7,
          words: int = 50) -> list[dict]:
    """N records like a scraper's export; DUPLICATE_SHARE of them reshare an earlier one."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for i in range(n):
        if rows and rng.random() < duplicate_share:
            text = rng.choice(rows)["text"]
            if rng.random() < 0.5:
                text = f"{text} share gấp!!"
        else:
            text = post_text(rng, words)
        rows.append({
            "text": text,
            "url": f"https://www.facebook.com/groups/{rng.randint(1, 50)}/posts/{i}",
            "time": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00+07:00",
            "likes": rng.randint(0, 5000),
            "comments": rng.randint(0, 500),
            "shares": rng.randint(0, 900),
        })
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
