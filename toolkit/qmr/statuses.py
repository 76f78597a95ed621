"""The traffic lights: one symbol, one fill and one text colour per status, and the arithmetic that
proves them readable. Templates, feedback copies, the findings report, the master and the QMR
document all take their statuses from here, so a Red looks, prints and reads the same everywhere.

Status is never carried by colour alone (WCAG 2.2 AA, 1.4.1): each status has a symbol of its own
shape, written beside its word ("✔ Green"). The symbols are characters, not an icon set, so they
survive copy and paste, printing, PDF export and screen readers (which read "heavy check mark
Green"). ▲ ○ ? are in every common font (Calibri, Arial, Liberation, DejaVu: WGL4); ✔ and ✖ are
Dingbats, which Excel and Word draw from Segoe UI Symbol (Windows) or Apple Symbols (Mac) and
LibreOffice from DejaVu/OpenSymbol when the cell's own font lacks them: a tick and a cross are what
paper QMRs use for achieved and not achieved, and no WGL4 character is read as a tick.

The fills are spread over the greyscale so that a black-and-white print tells them apart: each is at
least GREYSCALE_GAP lightness from every other (see greyscale_lightness), lightest to darkest
N/A, Amber, Green, Red, Missing. Text on each fill is black or white, whichever passes 4.5:1.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmr.model import Kind, Severity, Status


@dataclass(frozen=True)
class StatusStyle:
    symbol: str
    fill: str  # "RRGGBB"
    text: str  # "RRGGBB", the text colour on that fill


STATUS_STYLES: dict[Status, StatusStyle] = {
    Status.GREEN: StatusStyle("\u2714", "00B050", "000000"),    # ✔ heavy check mark; grey 47
    Status.AMBER: StatusStyle("\u25b2", "FFB000", "000000"),    # ▲ up-pointing triangle; grey 73
    Status.RED: StatusStyle("\u2716", "C00000", "FFFFFF"),      # ✖ heavy multiplication x; grey 24
    Status.NA: StatusStyle("\u25cb", "F2F2F2", "000000"),       # ○ white circle; grey 96
    Status.MISSING: StatusStyle("?", "000000", "FFFFFF"),       # ? nothing usable came back; grey 0
}

# Smallest greyscale lightness difference (CIE L*, 0-100) between any two status fills. 20 is the
# step of a six-step grey scale (0, 20, ... 100): neighbours that far apart are told apart on a
# photocopy without a key, with room for toner drift of about 5 either way. The old palette had
# Amber and N/A 0.7 apart and Red and Missing 5 apart, and they printed as the same grey.
GREYSCALE_GAP = 20.0
MIN_CONTRAST = 4.5  # WCAG 2.2 AA for normal-size text (1.4.3)

# Derived views for writers that want one of the three alone.
STATUS_FILLS: dict[Status, str] = {status: style.fill for status, style in STATUS_STYLES.items()}
STATUS_FONTS: dict[Status, str] = {status: style.text for status, style in STATUS_STYLES.items()}
STATUS_SYMBOLS: dict[Status, str] = {status: style.symbol for status, style in STATUS_STYLES.items()}

# Background / font colours per severity (Excel's own "bad" / "neutral" palette; rejected stronger).
SEVERITY_COLOURS: dict[Severity, tuple[str, str]] = {
    Severity.REJECTED: ("#C00000", "#FFFFFF"),
    Severity.ERROR: ("#FFC7CE", "#9C0006"),
    Severity.WARNING: ("#FFEB9C", "#9C5700"),
    Severity.INFO: ("#DDEBF7", "#1F4E78"),
}


def label(status: Status) -> str:
    """What a person reads in a status cell: the symbol, then the word ("▲ Amber")."""
    return f"{STATUS_SYMBOLS[status]} {status.value}"


def symbol_format(status: Status) -> str:
    """A number format that shows a status cell holding the bare word as its label ("✔ Green").

    Conditional formats carry it with the fill, so the cell's value stays the word (what the reader,
    the Data sheet and formulas compare) while a person and a printer see symbol and word; Excel and
    LibreOffice both apply number formats from conditional formats. Numbers, never in a status
    cell, show as nothing rather than as a misleading figure.
    """
    return f';;;"{STATUS_SYMBOLS[status]} "@'


def status_of_label(text: str) -> Status | None:
    """The status a label (or a bare word) names, or None: reads back what label() wrote."""
    cleaned = text.strip()
    for status in Status:
        if cleaned in (status.value, label(status)):
            return status
    return None


def _rgb(colour: str) -> tuple[int, int, int]:
    code = colour.lstrip("#")
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


def _linear(channel: float) -> float:
    """An sRGB channel (0-1) as linear light (the sRGB transfer curve, as WCAG defines it)."""
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of "RRGGBB" (or "#RRGGBB"): 0 for black, 1 for white."""
    red, green, blue = (_linear(c / 255) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two colours, 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _lightness(luminance: float) -> float:
    """CIE L* (0-100, perceptually even) of a luminance (0-1)."""
    return 116 * luminance ** (1 / 3) - 16 if luminance > 216 / 24389 else luminance * 24389 / 27


def greyscale_lightness(colour: str) -> float:
    """How light a colour prints in black and white, as CIE L* of its grey (0 black, 100 white).

    Printers, PDF viewers and poppler's pdftoppm -gray turn colour into grey by the Rec. 601 luma of
    the encoded values (0.299 R + 0.587 G + 0.114 B), not by true luminance, so that is the grey
    measured here; it is why a pure red prints as dark as a dark grey.
    """
    red, green, blue = _rgb(colour)
    luma = (0.299 * red + 0.587 * green + 0.114 * blue) / 255
    return _lightness(_linear(luma))


# ----------------------------------------------------------------------------------- wording
# What each status means, worded once: the template's instructions, the register's instructions,
# the master's legend and the QMR document all show these sentences.

# Statuses a clerk must explain in Commentary (why, and what is being done).
NEEDS_COMMENTARY: tuple[Status, ...] = (Status.AMBER, Status.RED, Status.NA)

_MISSING = "Nothing usable came back: no return, the status left blank, or rejected by validation."
_ITEM_DEFINITIONS: dict[Status, tuple[str, str]] = {  # (Q1 to Q3, year end) for milestones and objectives
    Status.GREEN: ("On course to be achieved within its timeframe.", "Achieved."),
    Status.AMBER: ("Uncertain: a lack of information, or a key date missed.",
                   "Not allowed at year end: a milestone is either achieved or not."),
    Status.RED: ("Will not be achieved within its timeframe.", "Not achieved."),
    Status.NA: ("Cannot be reported this period; the reason is in the commentary.",
                "Cannot be reported; the reason is in the commentary."),
    Status.MISSING: (_MISSING, _MISSING),
}
_INDICATOR_DEFINITIONS: dict[Status, str] = {
    Status.GREEN: "Annual target achieved, or on course to be achieved.",
    Status.AMBER: "Uncertain whether the annual target will be achieved.",
    Status.RED: "Will not be achieved without intervention.",
    Status.NA: "Cannot be reported (for example no target yet); the reason is in the commentary.",
    Status.MISSING: _MISSING,
}


def definition(status: Status, kind: Kind, year_end: bool = False) -> str:
    """What `status` means for an item of `kind`: PIs are judged against the annual target all year;
    milestones, objectives, risk measures and equality actions by their timeframe, and at year end
    as achieved or not."""
    if kind is Kind.INDICATOR:
        return _INDICATOR_DEFINITIONS[status]
    return _ITEM_DEFINITIONS[status][1 if year_end else 0]


def listed(statuses: tuple[Status, ...], joiner: str = " and ") -> str:
    """Statuses as words in a sentence: "Amber, Red and N/A"."""
    words = [s.value for s in statuses]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])}{joiner}{words[-1]}"
