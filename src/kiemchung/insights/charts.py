"""Charts drawn as SVG on the server: no script, no CDN, readable on a phone.

Each drawing takes a `Figure`'s rows; every mark carries its value in `data-value` and a
`<title>`, and the page puts the same rows in a table next to it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kiemchung.insights.figures import Figure

WIDTH = 360
PALETTE = ("#1f5f99", "#b4400a", "#3f6b0c", "#6b21a8", "#0f766e")
FONT = 11


def _label(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m")
    return str(value)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    magnitude = 10 ** (len(str(int(value))) - 1)
    return float(-(-value // magnitude) * magnitude)


def _legend(names: list[str], y: float) -> tuple[list[str], float]:
    """Coloured keys, wrapping to a new line at the chart's width; also the height they take."""
    parts, x = [], 0.0
    for index, name in enumerate(names):
        width = 22 + 6.2 * len(name)
        if x and x + width > WIDTH:
            x, y = 0.0, y + 15
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" '
                     f'fill="{colour}"></rect>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y:.1f}" font-size="{FONT}">'
                     f'{escape(name)}</text>')
        x += width
    return parts, y + 8


def _svg(key: str, title: str, height: float, body: list[str]) -> SafeString:
    head = (
        f'<svg class="chart" id="chart-{key}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'role="img" aria-labelledby="chart-{key}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-{key}-title">{escape(title)}</title>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 (every text is escaped)


def time_chart(figure: Figure) -> SafeString:
    """One line per series over the period's buckets, with a dot per bucket."""
    series = list(figure.columns[1:])
    body, top_pad = _legend(series, 11)
    top_pad += 6
    bottom, left, right = 34.0, 40.0, 18.0
    height = top_pad + 170.0
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    values = [[_number(row[i + 1]) for row in figure.rows] for i in range(len(series))]
    peak = _nice_max(max((v for vs in values for v in vs), default=0))
    n = max(len(figure.rows), 1)
    step = plot_w / max(n - 1, 1)

    def x_at(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top_pad + plot_h - plot_h * v / peak

    for fraction in (0, 0.5, 1):
        y = y_at(peak * fraction)
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#d0d4da" stroke-width="0.6"></line>')
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="{FONT - 1}" '
                    f'text-anchor="end">{peak * fraction:g}</text>')
    every = max(1, -(-n // 6))
    for i, row in enumerate(figure.rows):
        if i % every == 0:
            body.append(f'<text x="{x_at(i):.1f}" y="{height - bottom + 16:.1f}" '
                        f'font-size="{FONT - 1}" text-anchor="middle">'
                        f'{escape(_label(row[0]))}</text>')
    for s, name in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(values[s]))
        body.append(f'<polyline class="series" points="{points}" fill="none" '
                    f'stroke="{colour}" stroke-width="1.8"></polyline>')
        for i, v in enumerate(values[s]):
            label = f"{_label(figure.rows[i][0])} · {name}: {v:g}"
            body.append(f'<circle class="point" cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="2.4" '
                        f'fill="{colour}" data-value="{v:g}"><title>{escape(label)}</title>'
                        f'</circle>')
    return _svg(figure.key, figure.title, height, body)


def bar_chart(figure: Figure) -> SafeString:
    """A horizontal bar per row and series, its label above it, its value after it."""
    series = list(figure.columns[1:])
    numeric = [i for i, _name in enumerate(series, start=1)
               if all(isinstance(row[i], int | float) for row in figure.rows)]
    bar_h, gap, label_h = 10.0, 2.0, 15.0
    legend, legend_h = _legend([series[i - 1] for i in numeric], 11) if len(numeric) > 1 \
        else ([], 0.0)
    row_h = label_h + len(numeric) * (bar_h + gap) + 8
    height = legend_h + max(len(figure.rows), 1) * row_h
    peak = max((_number(row[i]) for row in figure.rows for i in numeric), default=0) or 1.0
    value_w = 44.0
    plot_w = WIDTH - value_w
    body = legend
    for r, row in enumerate(figure.rows):
        top = legend_h + r * row_h
        body.append(f'<text x="0" y="{top + 11:.1f}" font-size="{FONT}">'
                    f'{escape(_label(row[0])[:60])}</text>')
        for s, column in enumerate(numeric):
            value = _number(row[column])
            width = plot_w * value / peak
            y = top + label_h + s * (bar_h + gap)
            colour = PALETTE[(s if len(numeric) > 1 else r) % len(PALETTE)]
            label = f"{_label(row[0])} · {series[column - 1]}: {value:g}"
            body.append(f'<rect class="bar" x="0" y="{y:.1f}" width="{max(width, 1):.1f}" '
                        f'height="{bar_h}" fill="{colour}" data-value="{value:g}">'
                        f'<title>{escape(label)}</title></rect>')
            body.append(f'<text x="{max(width, 1) + 4:.1f}" y="{y + bar_h - 1:.1f}" '
                        f'font-size="{FONT - 1}">{value:g}</text>')
    return _svg(figure.key, figure.title, height, body)


def draw(figure: Figure) -> SafeString:
    """The figure's chart, or nothing for a table-only figure or one without rows."""
    if not figure.rows or figure.chart == "none":
        return mark_safe("")
    return time_chart(figure) if figure.chart == "time" else bar_chart(figure)
