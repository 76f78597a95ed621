"""Saved e-mails (.eml, Outlook .msg): their attachments are taken as files, dated by the mail's
Date, and carry the sender's address so that validation can compare it with the team's clerk."""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr

from qmr.collect.intake import Origin, Run, is_lock_file, mb, short, utc
from qmr.findings import basename
from qmr.model import Severity


def take_eml(name: str, data: bytes, modified: datetime, depth: int, origin: Origin, run: Run) -> bool:
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        if not list(message.keys()):
            raise ValueError("no e-mail headers")
        parts = list(_eml_attachments(message))
        sent = _eml_date(message) or modified
        sender = _eml_sender(message)
    except Exception as exc:  # the email package can fail in many ways on odd input
        run.refuse(name, "email-corrupt", f"not a readable e-mail ({short(exc)})",
                   "save the e-mail again (File > Save As), or save its attachments and give those",
                   data=data, modified=modified)
        return True
    inner = replace(origin, sender=sender) if sender else origin
    return _take_attachments(name, data, parts, sent, modified, depth, inner, run)


def _eml_attachments(message: EmailMessage) -> Iterator[tuple[str, bytes]]:
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if not filename and part.get_content_disposition() != "attachment":
            continue  # the body itself
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            yield (filename or f"attachment-{number}"), payload


def _eml_date(message: EmailMessage) -> datetime | None:
    try:
        header = message["Date"]
        value = getattr(header, "datetime", None) if header is not None else None
    except Exception:  # a malformed Date header is not worth refusing the mail for
        return None
    return utc(value) if isinstance(value, datetime) else None


def _eml_sender(message: EmailMessage) -> str:
    try:
        header = message["From"]
    except Exception:  # a malformed From header: no sender to compare, not a refusal
        return ""
    return sender_address(str(header)) if header is not None else ""


def sender_address(text: str) -> str:
    """The address in a From line (`Ann Clerk <ann@x.gov.uk>` -> `ann@x.gov.uk`), lower case."""
    address = parseaddr(text)[1].strip().lower()
    return address if "@" in address else ""  # an Exchange-internal name is no address to compare


def take_msg(name: str, data: bytes, modified: datetime, depth: int, origin: Origin, run: Run) -> bool:
    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.ERROR)  # it is chatty about harmless oddities
    parts: list[tuple[str, bytes]] = []
    try:
        message = extract_msg.openMsg(data, delayAttachments=False)
        try:
            sent = message.date if isinstance(getattr(message, "date", None), datetime) else None
            sender = sender_address(str(getattr(message, "sender", None) or ""))
            for number, attachment in enumerate(message.attachments, start=1):
                payload = attachment.data
                if isinstance(payload, bytes):
                    filename = attachment.longFilename or attachment.shortFilename or f"attachment-{number}"
                    parts.append((str(filename), payload))
        finally:
            message.close()
    except Exception as exc:  # extract-msg raises many kinds of error on damaged input
        run.refuse(name, "msg-corrupt", f"not a readable Outlook message ({short(exc)})",
                   "save the e-mail again from Outlook, or save its attachments and give those",
                   data=data, modified=modified)
        return True
    when = utc(sent) if sent else modified
    inner = replace(origin, sender=sender) if sender else origin
    return _take_attachments(name, data, parts, when, modified, depth, inner, run)


def _take_attachments(name: str, data: bytes, parts: list[tuple[str, bytes]], sent: datetime,
                      modified: datetime, depth: int, origin: Origin, run: Run) -> bool:
    found = False
    for filename, payload in parts:
        display = f"{name}/{basename(filename)}"
        if is_lock_file(filename):
            continue
        if len(payload) > run.limits.max_total_bytes:
            run.refuse(display, "too-large", f"{mb(len(payload))}, more than qmr will read",
                       "send the workbook on its own", size=len(payload), modified=sent)
            found = True
            continue
        found = run.take(display, payload, sent, depth, origin, run, attachment=True) or found
    if not found:
        run.refuse(name, "email-no-spreadsheet", "an e-mail with no spreadsheet attached; ignored",
                   "check whether the team meant to attach their return", data=data, modified=modified,
                   severity=Severity.INFO)
    return True
