"""Inputs for the property-based tests: any text, and text that looks like what the newsroom
receives (Vietnamese with numbers, units, dates, teencode and stray control characters)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Fast enough for the whole fuzz set to stay under a minute on two cores; a nightly run can
# raise it with HYPOTHESIS_PROFILE=deep.
settings.register_profile(
    "fuzz",
    max_examples=50,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("deep", parent=settings.get_profile("fuzz"), max_examples=2000)

WORDS = (
    "Bộ Y tế",
    "triệu",
    "tỷ",
    "nghìn",
    "đồng",
    "USD",
    "%",
    "phần trăm",
    "năm",
    "ngày",
    "tháng",
    "không",
    "chưa",
    "chẳng",
    "k",
    "kg",
    "ko",
    "đc",
    "hok",
    "là",
    "có",
    "được",
    "cấm",
    "phạt",
    "hơn",
    "gần",
    "khoảng",
    "1.000",
    "2,5",
    "100",
    "2025",
    "12/3",
    "30/4/1975",
    "-",
    "/",
    ".",
    ",",
    "!!!",
    "?",
    "#chiase",
    "@ban",
    "http://a.vn/x",
    "😱",
    "Đà Nẵng",
    "hoà",
    "thuỷ",
    "ᴀ",
    "а",
    "е",
    "\u200b",
    "\u00ad",
    "\x00",
    "\ufeff",
    "\ud800",
    "\r\n",
    "\t",
    "mười",
    "hai",
    "trăm",
    "lẻ",
    "mốt",
    "rưỡi",
    "một",
)

vietnamese_text = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=40).map(
    " ".join
)

any_text = st.one_of(st.text(max_size=300), vietnamese_text)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.text(max_size=12), children, max_size=6),
    ),
    max_leaves=25,
)


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    """A strategy that keeps VALUE's shape but may change any part of it."""
    if isinstance(value, dict):
        keys = list(value)
        return st.fixed_dictionaries(
            {},
            optional={k: _mutations(v) for k, v in value.items()},
        ).flatmap(
            lambda kept: (
                st.dictionaries(st.sampled_from([*keys, "x"]), json_values, max_size=2).map(
                    lambda extra: {**kept, **extra}
                )
                if keys
                else st.just(kept)
            )
        )
    if isinstance(value, list):
        if not value:
            return st.lists(json_values, max_size=2)
        return st.lists(_mutations(value[0]), max_size=3)
    return st.one_of(st.just(value), json_scalars, st.lists(json_scalars, max_size=2))


def mutated(value: Any) -> st.SearchStrategy[Any]:
    """VALUE (a real payload), with any field dropped, changed in type or added."""
    return st.one_of(st.just(value), _mutations(value))


def json_bytes(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return values.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def raw_bodies() -> st.SearchStrategy[bytes]:
    """Bodies a server may receive: bytes, broken JSON, JSON of any shape."""
    return st.one_of(
        st.binary(max_size=300),
        any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        json_bytes(json_values),
    )
