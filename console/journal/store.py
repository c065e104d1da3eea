"""The audit journal: every change, written before it is sent and completed once AWS has answered.

It lives under the XDG state directory with mode 0600 (a sandbox's changes in a journal of their own),
and holds what an incident review needs — who, where (account, partition, region, endpoint or
"sandbox", profile), what call, which patch operations, before and after, AWS's request id, the
outcome — and the plan itself, so that `undo` can rebuild the inverse without asking anyone to remember it.
Plans carry no secrets: API key values and credentials are never part of a plan.

It is append-only JSON lines, never rewritten. A change is written ahead, as an entry with the
outcome "sending" (its plan and the plan's inverse), before the call goes out; once AWS has answered,
a completion line that names the entry (`"completes": id`) gives the outcome — "applied", "failed",
or "unknown" (sent, and no answer came back) — and what the answer held (AWS's request id, a created
resource's id and the plan resolved with it). Further lines for the same entry add what the read-back
found. A refusal (the target changed since the plan was made) sends nothing and is one whole line.
`entries()` merges them: one entry per change with its final outcome. An entry never completed (the
process ended while the call was out) reads as "unknown": sent, no answer recorded. Journals written
before the write-ahead lines (one line per change, outcome included) read as they always did.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from platformdirs import user_state_path

SENDING, APPLIED, REFUSED, FAILED, UNKNOWN = "sending", "applied", "refused", "failed", "unknown"
NO_ANSWER = "sent, no answer recorded"  # why an entry left at "sending" reads as unknown


SANDBOX = "sandbox"  # the endpoint a change in a local sandbox is recorded at (its port changes every run)
SCOPE = ("account", "partition", "region", "endpoint", "profile")  # where a change was made
SAME_PLACE = ("account", "partition", "region", "endpoint")  # what must match for an undo (a profile may differ)


def journal_path(sandbox: bool = False) -> Path:
    """Changes made in a sandbox or another local endpoint go to a journal of their own, so that
    throwaway entries never stand between an operator and the undo of a real change."""
    return user_state_path("apigw-console") / ("sandbox-audit.jsonl" if sandbox else "audit.jsonl")


def scope_of(entry: dict[str, Any]) -> dict[str, str | None]:
    """Where an entry's change was made; entries written before these fields read them from their plan's
    target (account, region, profile, endpoint) and caller (partition)."""
    target = (entry.get("plan") or {}).get("target") or {}
    caller = entry.get("caller") or ""
    fallback = {"partition": caller.split(":")[1] if caller.count(":") > 1 else None}
    return {k: entry[k] if entry.get(k) is not None else target.get(k, fallback.get(k)) for k in SCOPE}


def place_words(scope: dict[str, str | None]) -> str:
    """A place as one line: "account 123456789012 (aws) · eu-west-1 · endpoint URL · profile prod"."""
    words = [f"account {scope.get('account') or '?'}" + (f" ({scope['partition']})" if scope.get("partition") else ""),
             scope.get("region") or "?"]
    if scope.get("endpoint"):
        words.append(SANDBOX if scope["endpoint"] == SANDBOX else f"endpoint {scope['endpoint']}")
    if scope.get("profile"):
        words.append(f"profile {scope['profile']}")
    return " · ".join(words)


def matches(entry: dict[str, Any], **wanted: str | None) -> bool:
    """The entry was made where every given (not None) field of `wanted` says."""
    scope = scope_of(entry)
    return all(value is None or scope.get(key) == value for key, value in wanted.items())


class Journal:
    def __init__(self, path: Path | None = None):
        self.path = path or journal_path()

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Write one whole entry (adding its id and time) and return it as written."""
        now = datetime.now(timezone.utc)
        entry = {"id": f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}", "time": now.isoformat(), **entry}
        self._write(entry)
        return entry

    def begin(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Write an entry ahead of its call, with the outcome "sending"; `complete` finishes it."""
        return self.append({**entry, "outcome": SENDING})

    def complete(self, entry: dict[str, Any], outcome: str | None = None, **details: Any) -> dict[str, Any]:
        """Append what became of `entry` (an outcome, and/or further details: those that are None or
        empty are left out) and return the entry as `entries()` will read it."""
        line = {"completes": entry["id"], "time": datetime.now(timezone.utc).isoformat(),
                **({"outcome": outcome} if outcome else {}),
                **{k: v for k, v in details.items() if v not in (None, [], "")}}
        self._write(line)
        return _merged(entry, line)

    def _write(self, line: dict[str, Any]) -> None:
        """One line in one write, appended: lines of processes writing at once never interleave."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)  # a journal created by hand with wider rights is narrowed
            os.write(fd, (json.dumps(line, default=str, separators=(",", ":")) + "\n").encode())
        finally:
            os.close(fd)

    def entries(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """One entry per change, oldest first, each with its final outcome; lines that cannot be read
        (a torn write) are skipped, not fatal."""
        merged: dict[str, dict[str, Any]] = {}
        for line in self._read():
            if "completes" in line:
                if line["completes"] in merged:
                    merged[line["completes"]] = _merged(merged[line["completes"]], line)
            elif "id" in line and "time" in line:
                merged[line["id"]] = line
        found = [_settled(e) for e in merged.values()]
        return [e for e in found if since is None or datetime.fromisoformat(e["time"]) >= since]

    def _read(self) -> Iterator[dict[str, Any]]:
        try:
            with self.path.open() as lines:
                for line in lines:
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(value, dict):
                        yield value
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


def _merged(entry: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
    """`entry` with a completion line's fields over it; the entry keeps its id and time (when it was
    written ahead), and the completion's time is kept as `completed`."""
    fields = {k: v for k, v in line.items() if k not in ("completes", "time", "id")}
    return {**entry, **fields, "completed": line.get("time")}


def _settled(entry: dict[str, Any]) -> dict[str, Any]:
    if entry.get("outcome") == SENDING:
        return {**entry, "outcome": UNKNOWN, "reason": entry.get("reason") or NO_ANSWER}
    return entry
