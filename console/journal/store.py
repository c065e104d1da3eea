"""The audit journal: every applied (or refused) plan, appended as one JSON line, never rewritten.

It lives under the XDG state directory with mode 0600, and holds what an incident review needs —
who, where, what call, which patch operations, before and after, AWS's request id, the outcome —
and the plan itself, so that `undo` can rebuild the inverse without asking anyone to remember it.
Plans carry no secrets: API key values and credentials are never part of a plan.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

from platformdirs import user_state_path

APPLIED, REFUSED, FAILED = "applied", "refused", "failed"


def journal_path() -> Path:
    return user_state_path("apigw-console") / "audit.jsonl"


class Journal:
    def __init__(self, path: Path | None = None):
        self.path = path or journal_path()

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Write one entry (adding its id and time) and return it as written."""
        now = datetime.now(timezone.utc)
        entry = {"id": f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}", "time": now.isoformat(), **entry}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)  # a journal created by hand with wider rights is narrowed
            os.write(fd, (json.dumps(entry, default=str, separators=(",", ":")) + "\n").encode())
        finally:
            os.close(fd)
        return entry

    def entries(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """Oldest first; lines that cannot be read (a torn write) are skipped, not fatal."""
        return [e for e in self._read() if since is None or datetime.fromisoformat(e["time"]) >= since]

    def _read(self) -> Iterator[dict[str, Any]]:
        try:
            with self.path.open() as lines:
                for line in lines:
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError:
                        continue
        except FileNotFoundError:
            return

    def find(self, entry_id: str) -> dict[str, Any] | None:
        """An entry by id, or by an unambiguous prefix of one."""
        entries = self.entries()
        exact = [e for e in entries if e["id"] == entry_id]
        matches = exact or [e for e in entries if e["id"].startswith(entry_id)]
        return matches[0] if len(matches) == 1 else None

    def last_undoable(self) -> dict[str, Any] | None:
        """The newest applied change that has an inverse and has not been undone yet."""
        entries = self.entries()
        undone = {e.get("undoes") for e in entries if e.get("outcome") == APPLIED}
        for entry in reversed(entries):
            if entry.get("outcome") == APPLIED and entry["plan"].get("inverse_call") and entry["id"] not in undone \
                    and not entry.get("undoes"):
                return entry
        return None


def parse_since(text: str) -> datetime:
    """ "90s", "15m", "2h", "7d" -> the moment that long ago."""
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit():
        raise ValueError(f"--since: a number and a unit (s, m, h, d), e.g. 2h (got {text!r})")
    return datetime.now(timezone.utc) - timedelta(**{units[unit]: int(number)})
