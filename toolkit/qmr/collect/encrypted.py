"""Password-protected returns: decrypted in memory with the team's password (or Excel's default one),
then taken as any workbook; the sha256 stays that of the file as received."""

from __future__ import annotations

import io
from datetime import datetime

from qmr.collect.intake import Origin, Run, mb, take_workbook
from qmr.collect.sniff import sniff
from qmr.model import Severity

# Excel writes this password when a file is only "protected" so it still opens without asking.
EXCEL_DEFAULT_PASSWORD = "VelvetSweatshop"


def take_encrypted(name: str, data: bytes, modified: datetime, origin: Origin, run: Run) -> None:
    import msoffcrypto  # only needed for the odd protected return

    if len(data) > run.limits.max_file_bytes:
        run.refuse(name, "too-large", f"{mb(len(data))}, more than the {mb(run.limits.max_file_bytes)} "
                   "a return may be", "ask the team to remove pictures and send it again",
                   data=data, modified=modified)
        return
    for password in run.passwords:
        try:
            office = msoffcrypto.OfficeFile(io.BytesIO(data))
            office.load_key(password=password, verify_password=True)
            out = io.BytesIO()
            office.decrypt(out)
        except Exception:  # wrong password and damaged files both land here; try the next
            continue
        plain = out.getvalue()
        found = sniff(plain, ".xlsx")
        if found.kind != "workbook":
            run.refuse(name, "not-spreadsheet", "password-protected, and not an Excel workbook once opened",
                       data=data, modified=modified, severity=Severity.INFO)
            return
        take_workbook(name, plain, data, modified, origin, run, encrypted=True, directory=found.directory)
        return
    run.refuse(name, "password-protected",
               "password-protected; add the team's password to the passwords file (--passwords)",
               "or ask the team to send it again without a password", data=data, modified=modified)
