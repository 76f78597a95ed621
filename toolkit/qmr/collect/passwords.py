"""The officer's passwords file, for returns a team protected with a password."""

from __future__ import annotations

from pathlib import Path

from qmr.model import Finding, Severity


def read_passwords(path: Path) -> tuple[dict[str, str], list[Finding]]:
    """The officer's passwords file: `TEAMCODE = password` per line, `#` comments, blank lines ignored.

    A password may contain `=` and `#` (only the first `=` splits, and only whole-line comments count);
    surrounding spaces are trimmed. Findings never repeat a password.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return {}, [Finding(Severity.ERROR, f"cannot read the passwords file ({exc.strerror or exc})",
                            "check the --passwords path", file=name, code="passwords-unreadable")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        findings = [Finding(Severity.WARNING, "the passwords file is not UTF-8; read it as Windows-1252",
                            "save it as UTF-8 text", file=name, code="passwords-encoding")]
    else:
        findings = []
    passwords: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"line {number}"
        if "=" not in stripped:
            findings.append(Finding(Severity.ERROR, f"{where} has no `=`; it was ignored",
                                    "write each line as TEAMCODE = password", file=name, cell=where,
                                    code="passwords-bad-line"))
            continue
        team, password = (part.strip() for part in stripped.split("=", 1))
        if not team or not password:
            missing = "team code" if not team else "password"
            findings.append(Finding(Severity.ERROR, f"{where} has no {missing}; it was ignored",
                                    "write each line as TEAMCODE = password", file=name, cell=where,
                                    code="passwords-bad-line"))
            continue
        if team in passwords:
            findings.append(Finding(Severity.WARNING, f"{where}: team {team} already has a password; "
                                    "this line was ignored", "keep one line per team", file=name,
                                    cell=where, team=team, code="passwords-duplicate"))
            continue
        passwords[team] = password
    return passwords, findings
