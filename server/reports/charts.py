"""Bar charts as inline SVG, drawn on the server: no script, no CDN, and they print.

Only presentation attributes (no ``style``), so the pages' Content-Security-Policy
(no inline styles) holds.
"""

from __future__ import annotations

from html import escape

WIDTH = 720
BAR_GAP = 2


def columns(items: list[tuple[str, int]], title: str, height: int = 200) -> str:
    """Vertical bars, one per item (e.g. per day), labels under every few bars."""
    top = max((v for _, v in items), default=0) or 1
    left, bottom = 36, 24
    inner_w, inner_h = WIDTH - left - 8, height - bottom - 8
    step = inner_w / max(len(items), 1)
    every = max(1, len(items) // 10)
    parts = [_open(WIDTH, height, title)]
    parts.append(_line(left, 8 + inner_h, WIDTH - 8, 8 + inner_h))
    parts.append(_text(left - 4, 16, str(top), anchor="end"))
    parts.append(_text(left - 4, 8 + inner_h, "0", anchor="end"))
    for i, (label, value) in enumerate(items):
        h = inner_h * value / top
        x = left + i * step
        parts.append(
            f'<rect class="bar" x="{x + BAR_GAP / 2:.1f}" y="{8 + inner_h - h:.1f}" '
            f'width="{max(step - BAR_GAP, 1):.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if i % every == 0:
            parts.append(_text(x + step / 2, height - 6, label, anchor="middle"))
    parts.append("</svg>")
    return "".join(parts)


def rows(items: list[tuple[str, int]], title: str) -> str:
    """Horizontal bars with their label on the left and the value at the end."""
    top = max((v for _, v in items), default=0) or 1
    label_w, line_h = 200, 22
    height = line_h * max(len(items), 1) + 8
    inner_w = WIDTH - label_w - 60
    parts = [_open(WIDTH, height, title)]
    for i, (label, value) in enumerate(items):
        y = 4 + i * line_h
        w = inner_w * value / top
        parts.append(_text(label_w - 6, y + 15, label, anchor="end"))
        parts.append(
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" '
            f'height="{line_h - 6}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(_text(label_w + w + 6, y + 15, str(value)))
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line class="axis" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>'
