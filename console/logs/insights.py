"""A Logs Insights query over a stage's access-log group: start it, poll it, stop it.

Logs Insights is asynchronous: StartQuery answers a query id, GetQueryResults answers Scheduled or
Running (with the records scanned so far) until the query is Complete, Failed, Cancelled or timed
out. `Insights` polls with a backoff (a quarter second, growing to two) and draws every call from
one bucket per account and region (the documented quotas: 5 transactions a second each for
StartQuery, GetQueryResults and StopQuery), so a screen and the CLI in one process never exceed
them; whoever stops waiting (Ctrl+C, leaving the screen) stops the query, so it does not keep
scanning at the account's expense. No Textual here: the screen runs `wait` in a worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.aws.budget import TokenBucket
from console.aws.errors import Problem, explain

QUERY_TPS = 5  # StartQuery, GetQueryResults, StopQuery: requests a second per account and region
MAX_LIMIT = 10_000  # StartQuery's limit: at most (and by default) 10,000 rows
FIRST_POLL = 0.25
MAX_POLL = 2.0
RUNNING = ("Scheduled", "Running")

_budgets: dict[tuple, TokenBucket] = {}
_budgets_lock = threading.Lock()


def insights_budget(connection: Any) -> TokenBucket:
    """The Logs Insights bucket of the connection's account (or profile) and region, one per process."""
    identity = getattr(connection, "identity", None)
    who = identity.account if identity else (connection.target.endpoint_url, connection.profile)
    with _budgets_lock:
        return _budgets.setdefault((who, connection.region), TokenBucket(rate=QUERY_TPS, burst=QUERY_TPS))


@dataclass(frozen=True)
class Statistics:
    """What the query read so far: records matched and scanned, bytes scanned."""

    matched: int = 0
    scanned: int = 0
    bytes: int = 0

    @classmethod
    def of(cls, answer: dict[str, Any]) -> Statistics:
        found = answer.get("statistics") or {}
        return cls(int(found.get("recordsMatched", 0)), int(found.get("recordsScanned", 0)),
                   int(found.get("bytesScanned", 0)))


@dataclass(frozen=True)
class Results:
    """A query's answer: its rows as columns × values (None where a row lacks the field), with its window."""

    query: str
    group: str
    start: datetime
    end: datetime
    status: str  # Complete, or how it ended otherwise (Failed, Cancelled, Timeout, Unknown)
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]
    statistics: Statistics
    query_id: str

    @property
    def complete(self) -> bool:
        return self.status == "Complete"

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "log_group": self.group, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "status": self.status, "query_id": self.query_id,
                "statistics": {"records_matched": self.statistics.matched,
                               "records_scanned": self.statistics.scanned,
                               "bytes_scanned": self.statistics.bytes},
                "columns": list(self.columns),
                "results": [{c: v for c, v in zip(self.columns, row) if v is not None} for row in self.rows]}


def table(results: list[list[dict[str, str]]]) -> tuple[tuple[str, ...], tuple[tuple[str | None, ...], ...]]:
    """GetQueryResults' rows (lists of {field, value}) as columns in order of first appearance, @ptr left out."""
    columns: dict[str, None] = {}
    for row in results:
        for cell in row:
            if cell["field"] != "@ptr":
                columns.setdefault(cell["field"])
    rows = []
    for row in results:
        values = {cell["field"]: cell.get("value") for cell in row}
        rows.append(tuple(values.get(c) for c in columns))
    return tuple(columns), tuple(rows)


class Abandoned(Exception):
    """Whoever waited for the query gave up; it was stopped."""


class Insights:
    """One query of one log group over [start, end]; `wait` runs it to the end and stops it if abandoned."""

    def __init__(self, client: Any, budget: TokenBucket, group: str, query: str, start: datetime, end: datetime,
                 limit: int | None = None, sleep: Callable[[float], None] = time.sleep):
        self.client, self.budget, self.group, self.query = client, budget, group, query
        # StartQuery takes whole seconds, both ends inclusive: the window reported is the one sent
        self.start, self.end = start.replace(microsecond=0), end.replace(microsecond=0)
        self.limit, self._sleep = limit, sleep
        self.query_id: str | None = None
        self.stopped = False  # whether an abandoned query was stopped (StopQuery said so)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        self.budget.acquire()
        try:
            return getattr(self.client, operation)(**params)
        except Exception as exc:
            problem = explain(exc)
            if problem.code == "MalformedQueryException":  # the operator's query, not AWS, is at fault
                raise Problem(f"Logs Insights cannot run the query: {problem.message}", kind="bad-request",
                              code=problem.code) from None
            raise problem from None

    def begin(self) -> str:
        params: dict[str, Any] = {"logGroupName": self.group, "queryString": self.query,
                                  "startTime": int(self.start.timestamp()), "endTime": int(self.end.timestamp())}
        if self.limit is not None:
            params["limit"] = self.limit
        self.query_id = self._call("start_query", **params)["queryId"]
        return self.query_id

    def wait(self, progress: Callable[[str, Statistics], None] = lambda status, stats: None,
             stopped: Callable[[], bool] = lambda: False) -> Results:
        """Start (unless started), poll until the query ends. When `stopped()` says to give up (a screen
        left), or on Ctrl+C, the query is stopped and Abandoned (or the interrupt) is raised."""
        if self.query_id is None:
            self.begin()
        interval, done = FIRST_POLL, False
        try:
            while True:
                if stopped():
                    raise Abandoned(self.query_id or "")
                answer = self._call("get_query_results", queryId=self.query_id)
                status, statistics = answer.get("status", "Unknown"), Statistics.of(answer)
                progress(status, statistics)
                if status not in RUNNING:
                    done = True
                    columns, rows = table(answer.get("results") or [])
                    return Results(self.query, self.group, self.start, self.end, status, columns, rows,
                                   statistics, self.query_id or "")
                self._sleep(interval)
                interval = min(MAX_POLL, interval * 1.5)
        finally:
            if not done:
                self.stopped = self.stop()

    def stop(self) -> bool:
        """StopQuery, best effort: a query that already ended, or a failed call, is not an error here."""
        if self.query_id is None:
            return False
        try:
            return bool(self._call("stop_query", queryId=self.query_id).get("success"))
        except Problem:
            return False
