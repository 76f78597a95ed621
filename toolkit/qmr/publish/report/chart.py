"""Section 4's picture: items by status for each department, as horizontal stacked bars, drawn
with Pillow into a PNG (Word has no chart python-docx can write, and a picture prints and converts
to PDF as it is). Each segment carries its count and the legend names each status by its symbol
and word, so nothing depends on telling the colours apart; the fills are the traffic lights'.

Pillow's built-in font (Aileron, scalable since Pillow 10.1) is used rather than a system font, so
the same counts give the same PNG on every machine."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from qmr.model import Status
from qmr.publish.report.look import STATUS_ORDER, status_colours

SCALE = 2  # drawn at twice the size it is shown, so it stays sharp in print and PDF
WIDTH = 600
BAR = 22
GAP = 12
LABEL = 18  # the line a department's name takes above its bar
MARGIN = 12
MARK = 10  # a status symbol's size in a bar or a legend swatch


def _mark(draw: ImageDraw.ImageDraw, status: Status, x: float, y: float, ink: str, font) -> None:
    """The status's own shape, drawn (the built-in font has no ✔ ▲ ✖ ○): a tick, a triangle, a cross,
    a ring, a question mark, the shapes of qmr.statuses' symbols, in a MARK-sized box at (x, y)."""
    s = SCALE
    box = [(x * s, y * s), ((x + MARK) * s, (y + MARK) * s)]
    line = max(2, int(1.6 * s))
    if status is Status.GREEN:
        draw.line([(x * s, (y + 5.5) * s), ((x + 3.5) * s, (y + 9) * s), ((x + MARK) * s, (y + 1) * s)],
                  fill=ink, width=line, joint="curve")
    elif status is Status.AMBER:
        draw.polygon([((x + MARK / 2) * s, y * s), ((x + MARK) * s, (y + MARK) * s), (x * s, (y + MARK) * s)],
                     fill=ink)
    elif status is Status.RED:
        draw.line([box[0], box[1]], fill=ink, width=line)
        draw.line([(x * s, (y + MARK) * s), ((x + MARK) * s, y * s)], fill=ink, width=line)
    elif status is Status.NA:
        draw.ellipse(box, outline=ink, width=line)
    else:
        draw.text(((x + 1) * s, (y - 2) * s), "?", fill=ink, font=font)


@dataclass(frozen=True)
class Bar:
    label: str
    counts: dict[Status, int]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size * SCALE)


def _fit(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """The text, shortened with an ellipsis until it fits `width` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def status_chart(title: str, bars: Sequence[Bar]) -> bytes:
    """A PNG: one bar per department, segments in status order, the count written on each."""
    font, bold = _font(12), _font(13)
    legend_height = 28
    height = MARGIN + 26 + len(bars) * (LABEL + BAR + GAP) + legend_height + MARGIN
    image = Image.new("RGB", (WIDTH * SCALE, height * SCALE), "white")
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * SCALE, y * SCALE

    draw.text(at(MARGIN, MARGIN), title, fill="black", font=bold)
    most = max((sum(bar.counts.values()) for bar in bars), default=0) or 1
    plot = WIDTH - 2 * MARGIN - 50  # room for the total after the longest bar
    y = MARGIN + 26
    for bar in bars:
        # the department's name on its own line above its bar, so a long name is not cut short
        draw.text(at(MARGIN, y), _fit(draw, bar.label, font, (WIDTH - 2 * MARGIN) * SCALE), fill="black", font=font)
        y += LABEL
        x = MARGIN
        for status in STATUS_ORDER:
            count = bar.counts.get(status, 0)
            if not count:
                continue
            fill, ink = status_colours(status)
            span = plot * count / most
            draw.rectangle([at(x, y), at(x + span, y + BAR)], fill=f"#{fill}", outline="black", width=1)
            text = str(count)
            width = MARK + 3 + draw.textlength(text, font=font) / SCALE
            if width + 6 <= span:  # a segment too narrow for its mark and count stays plain
                left = x + (span - width) / 2
                _mark(draw, status, left, y + (BAR - MARK) / 2, f"#{ink}", font)
                draw.text(at(left + MARK + 3, y + 4), text, fill=f"#{ink}", font=font)
            x += span
        total = sum(bar.counts.values())
        draw.text(at(x + 4, y + 4), f"({total})" if total else "nothing due", fill="black", font=font)
        y += BAR + GAP

    x = MARGIN
    for status in STATUS_ORDER:
        fill, ink = status_colours(status)
        draw.rectangle([at(x, y + 2), at(x + 18, y + 20)], fill=f"#{fill}", outline="black", width=1)
        _mark(draw, status, x + 18 / 2 - MARK / 2, y + 11 - MARK / 2, f"#{ink}", font)
        text = status.value
        draw.text(at(x + 22, y + 4), text, fill="black", font=font)
        x += 22 + draw.textlength(text, font=font) / SCALE + 16

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
