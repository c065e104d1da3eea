"""Logs Insights queries that answer like CloudWatch Logs: StartQuery, GetQueryResults, StopQuery,
DescribeQueries.

moto 5.2.5 runs a query inside StartQuery, knows no filter or stats, and answers GetQueryResults
without statistics. Here a query is compiled at StartQuery (a query the sandbox cannot run is a
MalformedQueryException naming what and where, as AWS answers a syntax error), evaluated over the
events of its window, and answered asynchronously as AWS answers: GetQueryResults says Running,
with partial statistics and no rows, until RUN_SECONDS have passed, then Complete with the rows
and recordsMatched / recordsScanned / bytesScanned. StopQuery cancels a running query; a 31st query
running at once is refused (LimitExceededException).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.sandbox.fidelity import logs_insights_query as language
from console.sandbox.fidelity.logs_events import EVENT_OVERHEAD
from console.sandbox.router import AwsError, Call, Reply

RUN_SECONDS = 0.3  # how long a query stays Running: long enough that a client must poll
MAX_LIMIT = 10_000  # StartQuery's limit: at most 10,000 rows, the default
MAX_GROUPS = 50
MAX_RUNNING = 30  # concurrent queries per account and Region, as the StartQuery reference says
KEEP = 500  # queries remembered per process (AWS keeps results for 7 days)


@dataclass
class _Query:
    id: str
    account: str
    region: str
    text: str
    groups: list[str]
    created: float
    rows: list[list[tuple[str, Any]]]
    matched: int
    scanned: int
    bytes: int
    runs: float = field(default_factory=lambda: RUN_SECONDS)  # seconds it stays Running, fixed when it starts
    cancelled: bool = False

    def status(self, now: float) -> str:
        if self.cancelled:
            return "Cancelled"
        return "Complete" if now - self.created >= self.runs else "Running"

    def statistics(self, now: float) -> dict[str, float]:
        done = 1.0 if self.status(now) == "Complete" else min(1.0, (now - self.created) / self.runs)
        return {"recordsMatched": float(int(self.matched * done)), "recordsScanned": float(int(self.scanned * done)),
                "bytesScanned": float(int(self.bytes * done)),
                "estimatedRecordsSkipped": 0.0, "estimatedBytesSkipped": 0.0, "logGroupsScanned": float(len(self.groups))}


_queries: OrderedDict[str, _Query] = OrderedDict()
_lock = threading.Lock()


def _invalid(message: str) -> AwsError:
    return AwsError(400, "InvalidParameterException", message)


def start_query(call: Call, params: dict[str, Any], log_group: Callable[..., Any]) -> Any:
    named = [key for key in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if params.get(key)]
    if len(named) != 1:
        raise _invalid("A StartQuery operation must include exactly one of logGroupName, logGroupNames or "
                       "logGroupIdentifiers.")
    identifiers = params[named[0]] if named[0] != "logGroupName" else [params["logGroupName"]]
    if len(identifiers) > MAX_GROUPS:
        raise _invalid(f"A query can name at most {MAX_GROUPS} log groups.")
    for key in ("startTime", "endTime", "queryString"):
        if params.get(key) is None:
            raise _invalid(f"{key} is required.")
    start, end = int(params["startTime"]), int(params["endTime"])
    if end < start:
        raise _invalid("End time cannot be less than start time.")
    limit = params.get("limit") or MAX_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid(f"limit must be between 1 and {MAX_LIMIT}.")
    groups = [log_group(call, identifier, allow_star=False) for identifier in identifiers]
    text = params["queryString"]
    try:
        compiled = language.compile_query(text)
    except language.Malformed as problem:
        raise _MalformedQuery(text, problem) from None
    records, size = [], 0
    for group in groups:
        for name, stream in list(group.streams.items()):
            for event in list(stream.events):
                if start * 1000 <= event.timestamp < (end + 1) * 1000:  # both ends inclusive, in seconds
                    size += len(event.message.encode()) + EVENT_OVERHEAD
                    records.append(language.record(event.message, event.timestamp, name, group.name,
                                                   f"{group.name}/{name}/{event.event_id}"))
    records.sort(key=lambda r: r["@timestamp"], reverse=True)  # newest first, as Logs Insights answers
    rows, matched = language.evaluate(compiled, records)
    query = _Query(str(uuid.uuid4()), call.account, call.region, text, [g.name for g in groups], time.monotonic(),
                   rows[:limit], matched, len(records), size)
    with _lock:
        running = sum(1 for q in _queries.values()
                      if (q.account, q.region) == (call.account, call.region) and q.status(query.created) == "Running")
        if running >= MAX_RUNNING:
            raise AwsError(400, "LimitExceededException",
                           f"You have reached the maximum number of concurrent queries ({MAX_RUNNING}).")
        _queries[query.id] = query
        while len(_queries) > KEEP:
            _queries.popitem(last=False)
    return {"queryId": query.id}


class _MalformedQuery(AwsError):
    """MalformedQueryException, with the queryCompileError (where, and what) the reference describes."""

    def __init__(self, text: str, problem: language.Malformed):
        line = text.count("\n", 0, problem.start) + 1
        column = problem.start - (text.rfind("\n", 0, problem.start) + 1)
        super().__init__(400, "MalformedQueryException",
                         f"Query is malformed: {problem} (line {line}, position {column}).")
        self.compile_error = {"location": {"startCharOffset": problem.start,
                                           "endCharOffset": max(problem.end - 1, problem.start)},
                              "message": str(problem)}

    def reply(self) -> Reply:
        return Reply.json({"message": self.message, "__type": self.code, "queryCompileError": self.compile_error},
                          self.status, [("x-amzn-ErrorType", self.code)])


def _find(call: Call, params: dict[str, Any]) -> _Query:
    with _lock:
        query = _queries.get(params.get("queryId") or "")
    if query is None or (query.account, query.region) != (call.account, call.region):
        raise AwsError(400, "ResourceNotFoundException", "The specified query does not exist.")
    return query


def get_query_results(call: Call, params: dict[str, Any]) -> Any:
    query, now = _find(call, params), time.monotonic()
    status = query.status(now)
    rows = query.rows if status == "Complete" else []
    return {"status": status, "statistics": query.statistics(now),
            "results": [[{"field": name, "value": language.shown(value)} for name, value in row] for row in rows]}


def stop_query(call: Call, params: dict[str, Any]) -> Any:
    """Cancels a query still running (success true); one already finished stays as it was (false)."""
    query = _find(call, params)
    with _lock:
        if query.status(time.monotonic()) != "Running":
            return {"success": False}
        query.cancelled = True
    return {"success": True}


def describe_queries(call: Call, params: dict[str, Any]) -> Any:
    """This account and region's queries, newest first; by log group and status when asked."""
    group, status, now = params.get("logGroupName"), params.get("status"), time.monotonic()
    limit = params.get("maxResults") or 1000
    with _lock:
        mine = [q for q in reversed(_queries.values()) if (q.account, q.region) == (call.account, call.region)]
    wall = time.time()
    found = [{"queryId": q.id, "queryString": q.text, "status": q.status(now),
              "createTime": int((wall - (now - q.created)) * 1000), "logGroupName": q.groups[0]}
             for q in mine if (not group or group in q.groups) and (not status or q.status(now) == status)]
    return {"queries": found[:limit]}


def _answer(body: Any) -> Reply:
    """An answer under JSON 1.1's content type, as CloudWatch Logs answers."""
    return Reply(200, json.dumps(body).encode(), [("Content-Type", "application/x-amz-json-1.1")])


def operations(log_group: Callable[..., Any]) -> dict[str, Callable[[Call, dict[str, Any]], Reply]]:
    """The handlers, for fidelity.logs to route; `log_group(call, identifier, allow_star=)` is its lookup."""
    return {"StartQuery": lambda call, params: _answer(start_query(call, params, log_group)),
            "GetQueryResults": lambda call, params: _answer(get_query_results(call, params)),
            "StopQuery": lambda call, params: _answer(stop_query(call, params)),
            "DescribeQueries": lambda call, params: _answer(describe_queries(call, params))}
