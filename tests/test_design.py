"""The design tokens hold: every stylesheet takes its colours, type sizes and shadows from the
tokens at the top of app.css (docs/DESIGN.md), every token used is defined, and the pairs of
tokens that are meant to be read together (text on its background) read at WCAG AA."""

from __future__ import annotations

import re
from pathlib import Path

from tests.claims.test_ratings import _contrast

import kiemchung

PACKAGE = Path(kiemchung.__file__).parent
APP_CSS = PACKAGE / "static" / "kiemchung" / "app.css"
# verdicts.css is written from claims/ratings.py, the one table of verdict colours.
STYLESHEETS = sorted(p for p in PACKAGE.glob("**/static/**/*.css") if p.name != "verdicts.css")
SCALE = r"var\(--text-(xs|sm|base|md|lg|xl|2xl)(, *[^)]+)?\)|inherit|\d*\.?\d+em"
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")


def _tokens() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\n\}", APP_CSS.read_text(encoding="utf-8"), re.S)
    assert root is not None, "app.css starts with the :root block of tokens"
    body = re.sub(r"/\*.*?\*/", "", root.group(1), flags=re.S)
    return {name: value.strip() for name, value in re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", body)}


def _rules(path: Path) -> str:
    """The stylesheet without its comments and, for app.css, without the token block."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r":root\s*\{.*?\n\}", "", text, count=1, flags=re.S) if path == APP_CSS else text


def test_the_stylesheets_are_found():
    assert APP_CSS in STYLESHEETS and len(STYLESHEETS) >= 4


def test_colours_come_from_the_tokens_only():
    found = {
        f"{path.relative_to(PACKAGE)}:{n}": line.strip()
        for path in STYLESHEETS
        for n, line in enumerate(_rules(path).splitlines(), 1)
        if COLOUR.search(line)
    }
    assert found == {}, "use a colour token from app.css's :root instead"


def test_type_sizes_come_from_the_scale_only():
    found = {
        f"{path.relative_to(PACKAGE)}: {size.strip()}"
        for path in STYLESHEETS
        for size in re.findall(r"font-size\s*:\s*([^;}]+)", _rules(path))
        if not re.fullmatch(SCALE, size.strip())
    }
    assert found == set(), "use a step of the type scale (--text-*)"


def test_every_token_used_is_defined():
    defined = set(_tokens())
    used = {
        name
        for path in [*STYLESHEETS, APP_CSS]
        for name in re.findall(r"var\((--[\w-]+)", path.read_text(encoding="utf-8"))
    }
    assert used - defined == set()


def test_text_tokens_read_at_wcag_aa_on_the_backgrounds_they_are_used_on():
    tokens = _tokens()
    pairs = [
        ("--ink", "--card"), ("--ink", "--bg"), ("--muted", "--card"), ("--muted", "--bg"),
        ("--accent", "--card"), ("--accent-ink", "--accent"), ("--accent", "--info-soft"),
        ("--ok-strong", "--ok-soft"), ("--ok", "--ok-soft"),
        ("--warn", "--card"), ("--warn", "--warn-soft"),
        ("--bad", "--bad-soft"), ("--bad", "--card"),
        ("--bad-strong", "--bad-soft"), ("--warn-strong", "--warn-soft"), ("--ink", "--warn-soft"),
        ("--ink", "--neutral-soft"), ("--ink", "--review-soft"), ("--muted", "--neutral-soft"),
    ]

    def hex6(value: str) -> str:
        value = value.lstrip("#")
        return "#" + ("".join(c * 2 for c in value) if len(value) == 3 else value)

    low = {
        f"{ink} on {ground}": round(ratio, 2)
        for ink, ground in pairs
        if (ratio := _contrast(hex6(tokens[ink]), hex6(tokens[ground]))) < 4.5
    }
    assert low == {}
