"""The traffic-light colours, one set for the returns clerks fill and the master managers read, so a
Red looks the same on both. Solid, saturated fills read on a projector, print in colour and stay
three distinct shades on a grey photocopy; text is black on the lights, white on Missing."""

from __future__ import annotations

from qmr.model import Severity, Status

STATUS_FILLS: dict[Status, str] = {
    Status.GREEN: "00B050",
    Status.AMBER: "FFC000",
    Status.RED: "FF0000",
    Status.NA: "BFBFBF",
    Status.MISSING: "404040",
}
STATUS_FONTS: dict[Status, str] = {status: "000000" for status in Status} | {Status.MISSING: "FFFFFF"}

# Background / font colours per severity (Excel's own "bad" / "neutral" palette; rejected stronger).
SEVERITY_COLOURS: dict[Severity, tuple[str, str]] = {
    Severity.REJECTED: ("#C00000", "#FFFFFF"),
    Severity.ERROR: ("#FFC7CE", "#9C0006"),
    Severity.WARNING: ("#FFEB9C", "#9C5700"),
    Severity.INFO: ("#DDEBF7", "#1F4E78"),
}
