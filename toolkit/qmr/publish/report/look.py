"""How the QMR document shows a status, taken from the traffic lights' one home (qmr.statuses):
the symbol and the word ("✔ Green"), the cell fill and the text colour on it. Every other module of
the report asks here, so the document cannot drift from the master."""

from __future__ import annotations

from qmr import statuses
from qmr.model import Status
from qmr.publish.master.styles import HEADER_FILL
from qmr.publish.master.summary import STATUS_ORDER

__all__ = ["HEADER_FILL", "STATUS_ORDER", "status_colours", "status_text", "status_of_text"]


def status_text(status: Status) -> str:
    """The symbol, then the word: what a reader (and a screen reader) gets in a status cell."""
    return statuses.label(status)


def status_of_text(text: str) -> Status | None:
    """The status a cell's text names (reads back what status_text wrote)."""
    return statuses.status_of_label(text)


def status_colours(status: Status) -> tuple[str, str]:
    """(fill, text colour) as RRGGBB."""
    return statuses.STATUS_FILLS[status], statuses.STATUS_FONTS[status]
