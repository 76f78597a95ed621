"""How the QMR document shows a status, taken from the traffic lights' one home (qmr.statuses):
the symbol and the word ("✔ Green"), the cell fill and the text colour on it. Every other module of
the report asks here, so the document cannot drift from the master."""

from __future__ import annotations

from qmr import statuses
from qmr.model import Status
from qmr.publish.master.styles import HEADER_FILL
from qmr.publish.master.summary import STATUS_ORDER

__all__ = ["HEADER_FILL", "STATUS_ORDER", "status_colours", "status_text", "status_of_text"]


# TEMPORARY until the symbols land in qmr.statuses (issue 11): the same symbols, here only.
_SYMBOLS = getattr(statuses, "STATUS_SYMBOLS", {Status.GREEN: "\u2714", Status.AMBER: "\u25b2",
                                                Status.RED: "\u2716", Status.NA: "\u25cb", Status.MISSING: "?"})


def status_text(status: Status) -> str:
    """The symbol, then the word: what a reader (and a screen reader) gets in a status cell."""
    if hasattr(statuses, "label"):
        return statuses.label(status)
    return f"{_SYMBOLS[status]} {status.value}"


def status_of_text(text: str) -> Status | None:
    """The status a cell's text names (reads back what status_text wrote)."""
    return next((s for s in Status if text.strip() in (s.value, status_text(s))), None)


def status_colours(status: Status) -> tuple[str, str]:
    """(fill, text colour) as RRGGBB."""
    return statuses.STATUS_FILLS[status], statuses.STATUS_FONTS[status]
