"""The team token: proof that a return's identity is the one its template was issued with.

`qmr init` makes a secret in the working folder (`.qmr-secret`, readable by its owner only). Each
template carries HMAC-SHA256(secret, team, period, register fingerprint) in its identity sheet; the
secret itself never leaves the folder. Editing the identity to claim another team (or period) breaks
the token, and without the secret nobody can make a new one.

What it is not: a signature of the content. Whoever has a team's own template can fill it in, and
the token says nothing about the values typed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

SECRET_NAME = ".qmr-secret"
SECRET_BYTES = 32
_PURPOSE = "qmr team token 1"  # bump to make every earlier token invalid on purpose


class SecretError(Exception):
    """The working folder's secret exists but cannot be used."""


def team_token(secret: bytes, team: str, period_label: str, fingerprint: str) -> str:
    message = "\x1f".join((_PURPOSE, team, period_label, fingerprint)).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def token_matches(secret: bytes, token: str, team: str, period_label: str, fingerprint: str) -> bool:
    return hmac.compare_digest(team_token(secret, team, period_label, fingerprint), token.strip().lower())


def make_secret(path: Path) -> bool:
    """Write a new secret at `path` (mode 0600) unless one is there; True when one was made.
    Never replaces an existing secret: that would invalidate every template already sent out."""
    path = Path(path)
    if path.exists():
        return False
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(SECRET_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(name, path)  # fails if another run made one meanwhile: theirs stands
        except FileExistsError:
            return False
    finally:
        os.unlink(name)
    return True


def read_secret(path: Path | None) -> bytes | None:
    """The secret at `path`, or None when there is none (outside a working folder, or an older one)."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise SecretError(f"{path}: the team-token secret cannot be read ({error})") from error
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < SECRET_BYTES // 2:
        raise SecretError(f"{path}: the team-token secret is damaged; restore it from a backup "
                          "(templates already sent out were made with it)")
    return secret
