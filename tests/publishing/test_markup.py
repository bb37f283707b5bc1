"""Markdown written by members becomes HTML that can go on any page without running anything."""

from __future__ import annotations

import pytest

from kiemchung.publishing.markup import render_markdown


def test_plain_markdown_renders():
    html = render_markdown("# Kết luận\n\n**Sai** và _gây hiểu lầm_.\n\n- một\n- hai")

    assert "<h2>Kết luận</h2>" in html  # the page title is the only <h1>
    assert "<strong>Sai</strong>" in html
    assert "<em>gây hiểu lầm</em>" in html
    assert "<li>một</li>" in html


def test_links_keep_http_targets_and_are_marked_nofollow():
    html = render_markdown("[Bộ Y tế](https://moh.gov.vn/a?b=1&c=2)")

    assert (
        '<a href="https://moh.gov.vn/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">Bộ Y tế</a>'
        in html
    )


def test_tables_render():
    html = render_markdown("| Nguồn | Ngày |\n|---|---|\n| Bộ Y tế | 1/3 |")

    assert "<table>" in html and "<td>Bộ Y tế</td>" in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('xss')</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<img src=x onerror=\"alert(1)\">",
        "<a href=\"#\" onclick=\"alert(1)\">bấm</a>",
        "<p onmouseover=\"alert(1)\">rê chuột</p>",
        "[bấm](javascript:alert(1))",
        "[bấm](JaVaScRiPt:alert(1))",
        "<a href=\"java&#x09;script:alert(1)\">bấm</a>",
        "[bấm](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<svg onload=\"alert(1)\"><circle/></svg>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<style>body{display:none}</style>",
        "<form action=\"https://evil.example\"><input name=q></form>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
    ],
)
def test_dangerous_html_is_made_safe(source):
    html = render_markdown(f"Trước {source} sau").lower()

    for marker in (
        "<script", "<iframe", "<img", "<svg", "<object", "<embed", "<style", "<form",
        "<input", "javascript:", "data:text", "onerror", "onclick", "onmouseover", "onload",
        "style=", "alert('xss')",
    ):
        assert marker not in html, (source, html)
    assert "trước" in html and "sau" in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
