"""Line charts as SVG text, drawn on the server (pure Python: no JavaScript, no Flask).

The site's Content-Security-Policy allows no inline styles or scripts, so a chart is plain
SVG with presentation attributes. Each chart carries a <title> and <desc> (named by
aria-labelledby) and the page puts the same figures in a table beside it. Lines differ by
dash pattern and marker shape as well as colour, so they stay apart in grey print and for
readers who do not see the colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

# Colours with at least 4.5:1 contrast on white; dash patterns and markers as second cues.
_STYLES = [
    ("#0b5cad", "", "circle"),
    ("#b42318", "6 4", "square"),
    ("#1a7f37", "2 3", "diamond"),
    ("#8a5a00", "10 3 2 3", "circle"),
    ("#6f42c1", "4 2", "square"),
]
# Small enough that 12-unit text stays readable when a phone shows the chart 330 px wide.
WIDTH, HEIGHT = 360, 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 16, 12, 66


@dataclass(frozen=True)
class Series:
    """One line: its name (for the legend) and a value (or None, a gap) per x label."""

    name: str
    values: list[float | None]


def _x(i: int, count: int) -> float:
    span = WIDTH - _LEFT - _RIGHT
    return _LEFT + (span * i / (count - 1) if count > 1 else span / 2)


def _y(value: float, top: float) -> float:
    span = HEIGHT - _TOP - _BOTTOM
    return _TOP + span * (1 - value / top)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[Series],
    *,
    top: float = 100.0,
    unit: str = "%",
) -> str:
    """An SVG line chart of ``series`` over ``labels`` (x axis), from 0 to ``top``.

    ``chart_id`` must be unique on the page (it ties the title and description to the chart).
    Every text passed in is escaped here.
    """
    count = len(labels)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for step in range(0, 5):  # grid lines and y labels at 0, 25, 50, 75, 100 % of top
        value = top * step / 4
        y = _y(value, top)
        out.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"'
            f' stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12"'
            f' fill="#4d5660">{value:g}{escape(unit)}</text>'
        )
    every = max(1, -(-count // 3))  # three or four x labels, so they never overlap
    for i, label in enumerate(labels):
        if (count - 1 - i) % every == 0:  # always the latest month
            anchor = "end" if i == count - 1 and count > 1 else "middle"
            out.append(
                f'<text x="{_x(i, count):.1f}" y="{HEIGHT - _BOTTOM + 18}" text-anchor="{anchor}"'
                f' font-size="12" fill="#4d5660">{escape(label)}</text>'
            )
    for n, line in enumerate(series):
        colour, dash, shape = _STYLES[n % len(_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments = []
        for i, value in enumerate(line.values):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{_x(i, count):.1f},{_y(min(value, top), top):.1f}")
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                out.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}"'
                    f' stroke-width="2.5"{dash_attr}/>'
                )
            for point in points:
                x, y = (float(v) for v in point.split(","))
                out.append(_marker(shape, x, y, colour))
        # Legend under the axis: a short sample of the line, its marker and its name.
        lx = 8 + (n % 2) * 176
        ly = HEIGHT - 26 + (n // 2) * 16
        out.append(
            f'<line x1="{lx}" x2="{lx + 28}" y1="{ly - 4}" y2="{ly - 4}" stroke="{colour}"'
            f' stroke-width="2.5"{dash_attr}/>{_marker(shape, lx + 14, ly - 4, colour)}'
            f'<text x="{lx + 34}" y="{ly}" font-size="12" fill="#1b1f24">{escape(line.name)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
