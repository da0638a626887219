"""Inline SVG charts drawn from the summary's series: no JavaScript, no third-party code.

A chart is an ``<svg>`` with a ``viewBox`` (it scales to the width of a phone or a monitor),
a few horizontal grid lines labelled with the axis values, one polyline per series and a
circle per data point carrying its value in a ``<title>`` (a tooltip). Colours come from CSS
classes (``s0``, ``s1``...), so the page's light and dark themes style them. Missing values
(``None``: no observation in that slot) break the line instead of pretending to be zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

WIDTH, HEIGHT = 600, 200
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 12, 26


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One series: its name (legend) and a value per slot (None: no data)."""

    name: str
    values: Sequence[float | None]


def time_label(t: float, step: float) -> str:
    """A slot's start as shown under the axis (UTC)."""
    moment = datetime.fromtimestamp(t, UTC)
    return moment.strftime("%d %b" if step >= 86400 else "%H:%M")


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/2.5/5 x 10^n at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** (len(str(int(value))) - 1) if value >= 1 else 1.0
    while magnitude > value:
        magnitude /= 10
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= value:
            return factor * magnitude
    return 10 * magnitude


def line_chart(
    *,
    chart_id: str,
    title: str,
    times: Sequence[float],
    step: float,
    lines: Sequence[Line],
    fmt: Callable[[float], str],
    ceiling: float | None = None,
) -> str:
    """An SVG line chart of `lines` over the slots starting at `times`."""
    present = [v for line in lines for v in line.values if v is not None]
    top = ceiling if ceiling is not None else nice_ceiling(max(present, default=0.0))
    n = max(len(times), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - min(v, top) / top)

    parts = [
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for k in range(5):
        level = top * k / 4
        gy = y(level)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(level))}</text>"
        )
    for i in sorted({0, (n - 1) // 2, n - 1}):
        if i < len(times):
            anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
            parts.append(
                f'<text class="axis" x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                f"{escape(time_label(times[i], step))}</text>"
            )
    for index, line in enumerate(lines):
        css = f"s{index % 4}"
        run: list[str] = []
        runs: list[list[str]] = [run]
        points = []
        for i, value in enumerate(line.values):
            if value is None:
                run = []
                runs.append(run)
                continue
            px, py = x(i), y(value)
            run.append(f"{px:.1f},{py:.1f}")
            label = f"{line.name} {time_label(times[i], step)}: {fmt(value)}"
            points.append(
                f'<circle class="pt {css}" cx="{px:.1f}" cy="{py:.1f}" r="2.6" '
                f'data-value="{value}"><title>{escape(label)}</title></circle>'
            )
        for segment in runs:
            if len(segment) > 1:
                parts.append(f'<polyline class="ln {css}" points="{" ".join(segment)}"/>')
        parts.extend(points)
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i class="sw s{i % 4}"></i>{escape(line.name)}</span>'
        for i, line in enumerate(lines)
    )
    return (
        f'<figure class="card chart-card"><figcaption>{escape(title)}'
        f'<span class="legend">{legend}</span></figcaption>{"".join(parts)}</figure>'
    )


def meter(fraction: float | None, *, label: str) -> str:
    """A small horizontal bar for a share of a budget (red above 90 %)."""
    if fraction is None:
        return ' <span class="muted">no budget</span>'
    width = max(0.0, min(fraction, 1.0)) * 100
    css = "over" if fraction >= 0.9 else "ok"
    return (
        f'<svg class="meter" viewBox="0 0 100 8" role="img" aria-label="{escape(label)}">'
        f'<rect class="track" x="0" y="0" width="100" height="8" rx="3"/>'
        f'<rect class="fill {css}" x="0" y="0" width="{width:.1f}" height="8" rx="3"/></svg>'
    )
