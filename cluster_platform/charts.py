"""Charts as SVG strings, drawn on the server: pages show them inline and the PDF reports embed
them, with no JavaScript library and nothing fetched from elsewhere.

Every chart:
- is one <svg role="img"> labelled by its <title> and <desc> (aria-labelledby), sized only by
  its viewBox and width="100%", so it scales down to a phone's width and up to a column;
- tells series apart by colour AND pattern (solid, stripes, dots, hatching...), with a legend,
  and writes values beside bars, so nothing depends on colour alone;
- escapes every text it is given (django.utils.html.escape): titles, labels and series names
  may hold user input;
- uses presentation attributes only, no style attributes or <style>, so a strict
  Content-Security-Policy holds; ids are prefixed with the chart's id, so several charts can
  share a page.

A page should still offer the numbers as a table: a chart is a picture of them, not a substitute.

`series` is a list of {"label": str, "values": [number or None]}, one value per entry of `labels`.
"""

from __future__ import annotations

import math
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Okabe–Ito's colour-blind-safe palette, then two more of Paul Tol's.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999",
           "#332288", "#88CCEE")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
CHAR_WIDTH = 7  # a rough width of one character at 13px, for laying out labels

# The overlay of each pattern on an 8×8 tile, drawn over the series' colour.
_PATTERNS = (
    "",
    '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4"/>',
    '<circle cx="4" cy="4" r="1.6" stroke="none" fill="{ink}"/>',
    '<path d="M0,4 h8"/>',
    '<path d="M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4"/>',
    '<path d="M0,0 l8,8 M8,0 l-8,8"/>',
    '<path d="M4,0 v8"/>',
    '<path d="M0,4 h8 M4,0 v8"/>',
    '<circle cx="2" cy="2" r="1.2" stroke="none" fill="{ink}"/>'
    '<circle cx="6" cy="6" r="1.2" stroke="none" fill="{ink}"/>',
    '<path d="M0,2 h8 M0,6 h8"/>',
)


def _id(chart_id: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", str(chart_id)) or "chart"
    return cleaned if cleaned[0].isalpha() else f"c-{cleaned}"


def _ink(colour: str) -> str:
    """Black lines on light colours, white on dark ones, so the pattern shows on both."""
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "#000000" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.45 else "#ffffff"


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def fill(chart_id: str, index: int) -> str:
    return f"url(#{_id(chart_id)}-p{index % len(_PATTERNS)})"


def _defs(chart_id: str, count: int) -> str:
    patterns = []
    for index in range(count):
        base, ink = colour(index), _ink(colour(index))
        overlay = _PATTERNS[index % len(_PATTERNS)].format(ink=ink)
        patterns.append(
            f'<pattern id="{_id(chart_id)}-p{index % len(_PATTERNS)}" patternUnits="userSpaceOnUse" width="8" '
            f'height="8"><rect width="8" height="8" fill="{base}"/>'
            f'<g stroke="{ink}" stroke-width="1.4" stroke-opacity="0.7" fill="none">{overlay}</g></pattern>'
        )
    return f"<defs>{''.join(patterns)}</defs>"


def _number(value) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2, 2.5, 5 or 10 times a power of ten, at least `value`."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _ticks(maximum: float, integers: bool = True) -> list[float]:
    top = _nice_ceiling(maximum)
    if integers and top < 4:
        top = 4 if maximum > 2 else max(top, 2)
        return [float(n) for n in range(int(top) + 1)]
    return [top * n / 4 for n in range(5)]


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 13, fill: str = TEXT,
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{extra}>'
            f"{escape(content)}</text>")


def _frame(chart_id: str, width: int, height: float, title: str, desc: str, body: str,
           pattern_count: int) -> SafeString:
    ident = _id(chart_id)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {math.ceil(height)}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" id="{ident}" class="chart" '
        f'font-family="{escape(FONT)}" font-size="13">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(desc)}</desc>'
        f"{_defs(chart_id, pattern_count)}{body}</svg>"
    )


def _legend(chart_id: str, entries: list[tuple[int, str]], *, top: float, width: int) -> tuple[str, float]:
    """Swatches (colour and pattern) with their labels in rows of up to three columns."""
    if not entries:
        return "", 0
    longest = max(len(label) for _index, label in entries) * CHAR_WIDTH + 28
    columns = max(1, min(3, int((width - 16) // max(longest, 1))))
    column_width = (width - 16) / columns
    parts = []
    for position, (index, label) in enumerate(entries):
        row, column = divmod(position, columns)
        x, y = 8 + column * column_width, top + row * 22
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="16" height="16" fill="{fill(chart_id, index)}" '
                     f'stroke="{TEXT}" stroke-width="0.6"/>')
        parts.append(_text(x + 22, y + 13, label))
    rows = math.ceil(len(entries) / columns)
    return "".join(parts), rows * 22 + 4


def _y_axis(ticks: list[float], *, left: float, right: float, top: float, plot_height: float,
            y_label: str) -> str:
    top_value = ticks[-1] or 1
    parts = []
    for tick in ticks:
        y = top + plot_height - plot_height * tick / top_value
        parts.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, _number(tick), anchor="end", size=12, fill=MUTED))
    if y_label:
        parts.append(_text(left, top - 6, y_label, size=12, fill=MUTED))
    return "".join(parts)


def _x_labels(labels: list[str], positions: list[float], *, y: float, left: float, right: float,
              max_labels: int) -> str:
    """At most `max_labels` labels, evenly spaced, always the first and the last."""
    count = len(labels)
    if not count:
        return ""
    every = max(1, math.ceil(count / max_labels))
    chosen = list(range(0, count, every))
    if chosen[-1] != count - 1:
        if len(chosen) > 1 and count - 1 - chosen[-1] < every / 2:
            chosen[-1] = count - 1  # too close to the last label: show the last instead
        else:
            chosen.append(count - 1)
    parts = []
    for index in chosen:
        x = positions[index]
        anchor = "middle"
        if x - left < 30:
            anchor = "start"
        elif right - x < 30:
            anchor = "end"
        parts.append(_text(x, y, labels[index], anchor=anchor, size=12, fill=MUTED))
    return "".join(parts)


def _empty(chart_id, width, title, desc, message) -> SafeString:
    body = (f'<rect x="0.5" y="0.5" width="{width - 1}" height="79" fill="#f8f9fa" stroke="{GRID}"/>'
            + _text(width / 2, 45, message, anchor="middle", fill=MUTED))
    return _frame(chart_id, width, 80, title, desc, body, 0)


def stacked_area(series: list[dict], labels: list[str], *, chart_id: str, title: str, desc: str = "",
                 y_label: str = "", width: int = 560, plot_height: int = 240, max_x_labels: int = 6,
                 empty_message: str = "–") -> SafeString:
    """Stacked areas over `labels` (dates, in order): series[0] at the bottom. Series that are
    zero throughout are left out of the drawing and the legend."""
    drawn = [(index, item) for index, item in enumerate(series) if any(item["values"])]
    if not labels or not drawn:
        return _empty(chart_id, width, title, desc, empty_message)
    left, right, top = 44, width - 12, 24
    plot_width = right - left
    count = len(labels)
    positions = [left + plot_width * (i / (count - 1) if count > 1 else 0.5) for i in range(count)]
    if count == 1:  # one moment: show it as a band across the plot
        positions = [left, right]
        labels = [labels[0], ""]
        drawn = [(index, {**item, "values": item["values"] * 2}) for index, item in drawn]
    totals = [sum((item["values"][i] or 0) for _index, item in drawn) for i in range(len(positions))]
    ticks = _ticks(max(totals))
    scale = plot_height / (ticks[-1] or 1)
    bottom = top + plot_height
    parts = [_y_axis(ticks, left=left, right=right, top=top, plot_height=plot_height, y_label=y_label)]
    floor = [0.0] * len(positions)
    for index, item in drawn:
        ceiling = [floor[i] + (item["values"][i] or 0) for i in range(len(positions))]
        upper = [f"{positions[i]:.1f},{bottom - ceiling[i] * scale:.1f}" for i in range(len(positions))]
        lower = [f"{positions[i]:.1f},{bottom - floor[i] * scale:.1f}" for i in reversed(range(len(positions)))]
        parts.append(f'<polygon points="{" ".join(upper + lower)}" fill="{fill(chart_id, index)}" '
                     f'stroke="#ffffff" stroke-width="0.8"><title>{escape(item["label"])}</title></polygon>')
        floor = ceiling
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{TEXT}"/>')
    parts.append(_x_labels(labels, positions, y=bottom + 18, left=left, right=right, max_labels=max_x_labels))
    legend, legend_height = _legend(chart_id, [(index, item["label"]) for index, item in reversed(drawn)],
                                    top=bottom + 32, width=width)
    parts.append(legend)
    return _frame(chart_id, width, bottom + 32 + legend_height, title, desc, "".join(parts), len(series))


def stacked_bars(series: list[dict], labels: list[str], *, chart_id: str, title: str, desc: str = "",
                 y_label: str = "", width: int = 560, plot_height: int = 220, max_x_labels: int = 8,
                 empty_message: str = "–") -> SafeString:
    """One vertical bar per label, stacked by series (series[0] at the bottom), its total written
    above it when there is room. Series that are zero throughout are left out."""
    drawn = [(index, item) for index, item in enumerate(series) if any(item["values"])]
    if not labels or not drawn:
        return _empty(chart_id, width, title, desc, empty_message)
    left, right, top = 44, width - 12, 24
    slot = (right - left) / len(labels)
    bar = max(2.0, slot * 0.7)
    totals = [sum((item["values"][i] or 0) for _index, item in drawn) for i in range(len(labels))]
    ticks = _ticks(max(totals))
    scale = plot_height / (ticks[-1] or 1)
    bottom = top + plot_height
    parts = [_y_axis(ticks, left=left, right=right, top=top, plot_height=plot_height, y_label=y_label)]
    centres = [left + slot * (i + 0.5) for i in range(len(labels))]
    for i, centre in enumerate(centres):
        base = 0.0
        for index, item in drawn:
            value = item["values"][i] or 0
            if not value:
                continue
            y = bottom - (base + value) * scale
            parts.append(
                f'<rect x="{centre - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{value * scale:.1f}" '
                f'fill="{fill(chart_id, index)}" stroke="#ffffff" stroke-width="0.6">'
                f'<title>{escape(labels[i])}: {escape(item["label"])} {escape(_number(value))}</title></rect>'
            )
            base += value
        if totals[i] and slot >= 16:
            parts.append(_text(centre, bottom - base * scale - 4, _number(totals[i]), anchor="middle", size=11))
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{TEXT}"/>')
    parts.append(_x_labels(labels, centres, y=bottom + 18, left=left, right=right, max_labels=max_x_labels))
    legend, legend_height = _legend(chart_id, [(index, item["label"]) for index, item in reversed(drawn)],
                                    top=bottom + 32, width=width)
    parts.append(legend)
    return _frame(chart_id, width, bottom + 32 + legend_height, title, desc, "".join(parts), len(series))


def bar_chart(series: list[dict], labels: list[str], *, chart_id: str, title: str, desc: str = "",
              unit: str = "", width: int = 560, bar_height: int = 16, empty_message: str = "–") -> SafeString:
    """Horizontal bars, one group per label (long labels stay readable), one bar per series in
    each group, each bar with its value written at its end (`unit` after it). A legend when there
    are several series. None is drawn as no bar and written "–"."""
    values = [value for item in series for value in item["values"] if value is not None]
    if not labels or not series or not any(values):
        return _empty(chart_id, width, title, desc, empty_message)
    label_width = min(max(len(label) for label in labels) * CHAR_WIDTH + 12, int(width * 0.42))
    left, right, top = label_width, width - 56, 8
    scale = (right - left) / _nice_ceiling(max(values))
    group = len(series) * (bar_height + 3) + 9
    parts = []
    for row, label in enumerate(labels):
        y0 = top + row * group
        parts.append(_text(left - 8, y0 + (group - 9) / 2 + 4, label, anchor="end"))
        for position, item in enumerate(series):
            value = item["values"][row]
            y = y0 + position * (bar_height + 3)
            length = (value or 0) * scale
            if length:
                parts.append(
                    f'<rect x="{left}" y="{y:.1f}" width="{length:.1f}" height="{bar_height}" '
                    f'fill="{fill(chart_id, position)}" stroke="{TEXT}" stroke-width="0.4">'
                    f'<title>{escape(label)}: {escape(item["label"])} {escape(_number(value))}</title></rect>'
                )
            written = _number(value) + (f" {unit}" if unit and value is not None else "")
            parts.append(_text(left + length + 4, y + bar_height - 4, written, size=12))
    bottom = top + len(labels) * group
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{bottom - 4}" stroke="{TEXT}"/>')
    height = bottom + 4
    if len(series) > 1:
        legend, legend_height = _legend(chart_id, list(enumerate(item["label"] for item in series)),
                                        top=bottom + 6, width=width)
        parts.append(legend)
        height = bottom + 6 + legend_height
    return _frame(chart_id, width, height, title, desc, "".join(parts), len(series))
