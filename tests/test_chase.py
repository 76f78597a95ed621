"""Reminder e-mails for missing returns: parsed back with the standard library, as a mail client would."""

from __future__ import annotations

import email
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

import openpyxl

from qmr.collect.chase import reminder_name, write_reminders
from qmr.collect.sources import collect
from qmr.model import Plan
from qmr.period import Period

PERIOD = Period(2008, 4)
SENT = datetime(2009, 4, 27, 9, 0, tzinfo=UTC)


def _template(folder: Path, code: str) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.active["A1"] = f"return of {code}"
    path = folder / f"{PERIOD.slug}_{code}.xlsx"
    book.save(path)
    return path.read_bytes()


def _parse(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_one_reminder_per_missing_team_with_its_template(plan: Plan, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    fin = _template(templates, "BSC-FIN")
    paths = write_reminders(plan, PERIOD, ["BSC-FIN", "BSC-HR"], templates, tmp_path / "chase",
                            deadline=date(2009, 4, 24), sent=SENT)
    assert [p.name for p in paths] == ["2008-09-Q4_BSC-FIN_reminder.eml", "2008-09-Q4_BSC-HR_reminder.eml"]
    assert sorted(p.name for p in (tmp_path / "chase").iterdir()) == [p.name for p in paths]  # no temp files

    message = _parse(paths[0])
    assert message["To"].addresses[0].addr_spec == "finance.performance@example.org"
    assert message["To"].addresses[0].display_name == "Performance clerk, Finance"
    assert str(message["From"]) == "Performance officer <performance@example.org>"
    assert message["Date"].datetime == SENT
    assert message["X-Unsent"] == "1"
    assert "2008/09 Q4" in message["Subject"] and "Financial Services" in message["Subject"]

    body = message.get_body(("plain",)).get_content()
    flat = " ".join(body.split())
    for phrase in ("Dear Performance clerk, Finance,", "Financial Services (BSC-FIN)", "2008/09 Q4",
                   "Thursday 1 January 2009 to Tuesday 31 March 2009", "Friday 24 April 2009",
                   "please send it as soon as you can", "2008-09-Q4_BSC-FIN.xlsx, is attached",
                   "Performance officer at performance@example.org", "Progress", "Commentary", "Actual",
                   "Halton Borough Council"):
        assert phrase in flat, phrase
    assert all(len(line) <= 72 for line in body.splitlines())

    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "2008-09-Q4_BSC-FIN.xlsx"
    assert attachment.get_content_type().endswith("spreadsheetml.sheet")
    data = attachment.get_content()
    assert data == fin
    assert openpyxl.load_workbook(io.BytesIO(data)).active["A1"].value == "return of BSC-FIN"


def test_a_rerun_leaves_no_reminder_for_a_team_that_has_replied(plan: Plan, tmp_path: Path) -> None:
    chase = tmp_path / "chase"
    write_reminders(plan, PERIOD, ["BSC-FIN", "BSC-HR"], None, chase, sent=SENT)
    (chase / "notes.txt").write_text("the officer's own file")
    (chase / reminder_name(Period(2008, 3), "BSC-HR")).write_text("last quarter's, kept")
    # BSC-HR has replied since: only BSC-FIN is chased, and the folder says so
    paths = write_reminders(plan, PERIOD, ["BSC-FIN"], None, chase, sent=SENT)
    assert sorted(p.name for p in chase.iterdir()) == sorted(
        [reminder_name(PERIOD, "BSC-FIN"), reminder_name(Period(2008, 3), "BSC-HR"), "notes.txt"])
    assert [p.name for p in paths] == [reminder_name(PERIOD, "BSC-FIN")]


def test_without_a_template_the_body_says_so(plan: Plan, tmp_path: Path) -> None:
    (path,) = write_reminders(plan, PERIOD, ["BSC-HR"], tmp_path / "no-templates-here", tmp_path,
                              deadline=date(2009, 5, 29), sent=SENT)
    message = _parse(path)
    assert list(message.iter_attachments()) == []
    flat = " ".join(message.get_body(("plain",)).get_content().split())
    assert "(2008-09-Q4_BSC-HR.xlsx) is not attached" in flat
    assert "It is due by Friday 29 May 2009." in flat  # not yet late: no "as soon as you can"
    assert "as soon as you can" not in flat
    assert message["To"].addresses[0].addr_spec == "hr.performance@example.org"
    assert write_reminders(plan, PERIOD, ["BSC-HR"], None, tmp_path / "none", sent=SENT)[0].exists()


def test_reminders_are_byte_identical_on_a_rerun(plan: Plan, tmp_path: Path, monkeypatch) -> None:
    templates = tmp_path / "templates"
    _template(templates, "BSC-COM")
    first = write_reminders(plan, PERIOD, ["BSC-COM"], templates, tmp_path / "a", sent=SENT)[0].read_bytes()
    second = write_reminders(plan, PERIOD, ["BSC-COM"], templates, tmp_path / "b", sent=SENT)[0].read_bytes()
    assert first == second
    other = write_reminders(plan, PERIOD.previous(), ["BSC-COM"], templates, tmp_path / "c", sent=SENT)[0]
    assert _parse(other)["Message-ID"] != email.message_from_bytes(first, policy=policy.default)["Message-ID"]
    # Without `sent`, SOURCE_DATE_EPOCH fixes the date, as reproducible builds expect.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(SENT.timestamp())))
    again = write_reminders(plan, PERIOD, ["BSC-COM"], templates, tmp_path / "d")[0].read_bytes()
    assert again == first


def test_sender_override_and_default_deadline(plan: Plan, tmp_path: Path) -> None:
    (path,) = write_reminders(plan, PERIOD, ["BSC-FIN"], None, tmp_path,
                              sender="Jo Bloggs <jo.bloggs@example.org>", sent=SENT)
    message = _parse(path)
    assert message["From"].addresses[0].addr_spec == "jo.bloggs@example.org"
    assert message["Message-ID"].endswith("@example.org>")
    flat = " ".join(message.get_body(("plain",)).get_content().split())
    # deadline_days = 15 working days after 31 March 2009
    assert "Tuesday 21 April 2009" in flat and "Jo Bloggs at jo.bloggs@example.org" in flat


def test_a_team_not_in_the_register_still_gets_a_draft_without_recipient(plan: Plan, tmp_path: Path) -> None:
    (path,) = write_reminders(plan, PERIOD, ["NEW/TEAM"], None, tmp_path, sent=SENT)
    assert path.name == "2008-09-Q4_NEW-TEAM_reminder.eml" == reminder_name(PERIOD, "NEW/TEAM")
    message = _parse(path)
    assert message["To"] is None
    assert "NEW/TEAM" in message["Subject"]


def test_a_reminder_with_its_template_is_read_back_by_collect_as_a_return(plan: Plan, tmp_path: Path) -> None:
    # If an officer drops the reminders folder into the sources, the attached template is found (and
    # the return reader will then judge it as an unfilled return); nothing crashes.
    templates = tmp_path / "templates"
    _template(templates, "BSC-FIN")
    (path,) = write_reminders(plan, PERIOD, ["BSC-FIN"], templates, tmp_path / "chase", sent=SENT)
    candidates, findings, _ = collect([path])
    assert findings == []
    assert [(c.name, c.modified) for c in candidates] == [(f"{path}/2008-09-Q4_BSC-FIN.xlsx", SENT)]


def test_a_clerk_cell_with_several_addresses_gives_a_valid_to_header(plan: Plan, tmp_path: Path) -> None:
    # The register allows more than one address in the clerk cell, separated by `;`, `,` or spaces.
    teams = tuple(replace(t, clerk_email="a@x.org; b@y.org,c@z.org") if t.code == "BSC-FIN" else t
                  for t in plan.teams)
    (path,) = write_reminders(replace(plan, teams=teams), PERIOD, ["BSC-FIN"], None, tmp_path, sent=SENT)
    raw = path.read_bytes()
    assert b";" not in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\nTo:", 1)[1].split(b"\r\n", 1)[0]
    message = _parse(path)
    to = message["To"]
    assert not to.defects
    assert [(a.display_name, a.addr_spec) for a in to.addresses] == [
        ("Performance clerk, Finance", "a@x.org"), ("", "b@y.org"), ("", "c@z.org")]
    assert getaddresses([str(to)]) == [("Performance clerk, Finance", "a@x.org"), ("", "b@y.org"),
                                       ("", "c@z.org")]
