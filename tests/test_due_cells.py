"""Due cells as real plans fill them (seeds/004, Hartlepool 2006/07): several milestones' dates in one
cell, a date inside words, a range, no date at all."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qmr.plan.due_cells import Reading, due_parts, officers_out, share_out


def _read(cell: str) -> list[tuple[str, str]]:
    return [(p.due.text, p.reading.value) for p in due_parts(cell)]


def test_several_dates_in_one_cell_are_several_milestones() -> None:
    # seed line 736 (PDSM 1), 1312, 2539
    assert _read("Apr 06 Jun 06 Jun 06") == [("Apr 2006", "date"), ("Jun 2006", "date"), ("Jun 2006", "date")]
    assert _read("Sept '06 Sept '06 Sept '06") == [("Sep 2006", "date")] * 3
    assert _read("May 06. Dec.06. Mar 07.") == [("May 2006", "date"), ("Dec 2006", "date"), ("Mar 2007", "date")]


def test_a_date_inside_words_is_taken() -> None:
    assert _read("Draft strategy by Sept 06") == [("Sep 2006", "deadline")]  # seed line 1884
    assert _read("Mar 06 Mar 07 80% by Mar 07") == [("Mar 2006", "date"), ("Mar 2007", "date"),
                                                    ("Mar 2007", "deadline")]  # line 1354
    assert _read("Delivered training week August 06.") == [("Aug 2006", "in text")]
    assert due_parts("Draft strategy by Sept 06")[0].words == "Draft strategy by Sept 06"


def test_a_range_is_due_at_its_end() -> None:
    for cell in ("Apr 06 - Mar 07", "Apr 06 – Mar 07", "Apr 06 to Mar 07", "Apr 06-Mar 07"):
        assert _read(cell) == [("Mar 2007", "range")], cell
    assert _read("Jun /Jul 06") == [("Jul 2006", "range")]  # line 1505


def test_no_date_is_an_undated_milestone() -> None:
    for cell in ("Bi-monthly", "Bi-monthly Bi-monthly", "Monitor quarterly returns", "60-07"):
        (part,) = due_parts(cell)
        assert part.reading is Reading.UNDATED and part.due.day is None and part.due.text == cell
    assert _read("Apr 06 onwards") == [("Apr 06 onwards", "undated")]  # line 2443
    assert _read("Apr 06 Sept 06 Dec 06 Monitor monthly")[-1] == ("Monitor monthly", "undated")


def test_text_and_officers_share_out_only_when_they_divide() -> None:
    text = "Launch CYPP. Distribute widely to partners. Monitoring systems in place."
    assert share_out(text, 3) == ["Launch CYPP.", "Distribute widely to partners.", "Monitoring systems in place."]
    assert share_out(text, 2) is None
    assert officers_out("SJ SJ JC/SJ/PW SJ", 4) == ["SJ", "SJ", "JC/SJ/PW", "SJ"]
    assert officers_out("Team Manager Social Workers", 2) is None


@given(st.text(max_size=80))
def test_any_text_reads_without_raising(cell: str) -> None:
    parts = due_parts(cell)
    assert parts and all(p.due.day is not None or p.reading is Reading.UNDATED for p in parts)
