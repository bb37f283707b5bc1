"""What every page of a browser walk must hold: it fits the screen, no table is clipped, axe
finds nothing serious, and no request fails or breaks the CSP. The walks call `check_page` on
each page they reach."""

from __future__ import annotations

from typing import Any

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def watch(page: Any) -> list[str]:
    """Every failed request and every CSP complaint of the page, as it happens."""
    problems: list[str] = []
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and problems.append(f"CSP: {m.text}"),
    )
    return problems


def overflow(page: Any) -> str | None:
    """Why the page is wider than the screen (the widest culprit), or None when it fits."""
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll <= width:
        return None
    culprit = page.evaluate(
        """w => {
            let worst = null, right = w;
            for (const el of document.body.querySelectorAll('*')) {
                const r = el.getBoundingClientRect();
                if (r.right > right + 0.5) { right = r.right; worst = el; }
            }
            if (!worst) return '';
            const id = worst.id ? '#' + worst.id : '';
            const cls = worst.className && typeof worst.className === 'string'
                ? '.' + worst.className.trim().split(/\\s+/).join('.') : '';
            return worst.tagName.toLowerCase() + id + cls + ' ends at ' + Math.round(right);
        }""",
        width,
    )
    return f"{page.url} is {scroll}px wide on a {width}px screen ({culprit})"


def clipped_tables(page: Any) -> list[str]:
    """Tables wider than their box: on a phone the reader would have to scroll inside them."""
    found = page.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
            .filter(w => w.scrollWidth > w.clientWidth + 1)
            .map(w => (w.querySelector('table') || w).id || w.className)"""
    )
    return [f"{page.url}: a table is clipped ({name}): make it a table.stack" for name in found]


def serious_axe(page: Any) -> list[str]:
    """The serious and critical axe-core violations of the page (its context must bypass CSP)."""
    from axe_playwright_python.base import AXE_SCRIPT

    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SCRIPT)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
        f"{[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(page: Any, shots: Any, name: str, *, axe: bool = True) -> list[str]:
    """The problems of the page as it stands (overflow, serious axe findings), with a screenshot.

    A walk collects them over every page and asserts the list empty at the end, so one run
    reports every page that fails, not only the first.
    """
    found: list[str] = []
    too_wide = overflow(page)
    if too_wide:
        found.append(too_wide)
    found.extend(clipped_tables(page))
    if axe:
        found.extend(serious_axe(page))
    shots.take(page, name)
    return found
