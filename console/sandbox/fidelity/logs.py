"""CloudWatch Logs reads that answer like CloudWatch Logs: FilterLogEvents and StartLiveTail (and the
Logs Insights queries of logs_insights).

FilterLogEvents also keeps its documented quota, 5 transactions a second per account and Region,
shared by every client: a call over it is refused with ThrottlingException, as AWS refuses it.

moto 5.2.5 applies only plain-term filter patterns (JSON and space-delimited patterns match every
event), ignores logGroupIdentifier, logStreamNamePrefix and startFromHead, and its StartLiveTail
sends one snapshot frame of old events from whichever log group was created last. The sandbox
answers both calls from moto's stored events with the documented filter pattern syntax
(logs_filter), documented paging, and a live event stream (logs_live_tail). Every other Logs
call goes to moto. Errors are AwsError's JSON (`__type`, `message`) under JSON 1.1's content type.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from typing import Any

from console.aws.budget import TokenBucket
from console.sandbox.fidelity import logs_insights, logs_live_tail
from console.sandbox.fidelity.logs_filter import Matcher, PatternError, compile_pattern
from console.sandbox.router import AwsError, Call, Reply, Router

MAX_EVENTS = 10_000  # FilterLogEvents: 10,000 events ...
MAX_PAGE_BYTES = 1_048_576  # ... or 1 MB a page
_EVENT_OVERHEAD = 26  # bytes CloudWatch Logs counts per event on top of its message
_DESCENDING_SINCE_MS = 1_704_067_200_000  # startFromHead=false needs startTime >= 2024-01-01
MAX_LIVE_TAIL_GROUPS = 10
FILTER_TPS = 5  # FilterLogEvents quota: transactions a second per account and Region
_JSON_1_1 = "application/x-amz-json-1.1"
_ARN = re.compile(r"^arn:[^:]+:logs:(?P<region>[^:]*):(?P<account>[^:]*):log-group:(?P<name>.+?)(?P<star>:\*)?$")


def register(router: Router) -> None:
    """Logs is JSON 1.1 at POST /, operation in X-Amz-Target; StartLiveTail streams its reply."""
    router.route("logs", "POST", "/")(handle)


def handle(call: Call) -> Reply:
    operation = call.headers.get("x-amz-target", "").rpartition(".")[2]
    handler = _OPERATIONS.get(operation)
    if handler is None:
        return call.forward()
    try:
        return handler(call, _params(call))
    except AwsError as error:
        return _json_1_1(error.reply())


def _params(call: Call) -> dict[str, Any]:
    try:
        return call.json()
    except ValueError as exc:
        raise AwsError(400, "SerializationException", f"The request body is not JSON: {exc}") from exc


def _json_1_1(reply: Reply) -> Reply:
    """A JSON reply with the content type CloudWatch Logs (JSON 1.1) answers with."""
    reply.headers = [(k, _JSON_1_1 if k.lower() == "content-type" else v) for k, v in reply.headers]
    return reply


def invalid(message: str) -> AwsError:
    return AwsError(400, "InvalidParameterException", message)


def log_group(call: Call, identifier: str, *, allow_star: bool = True):
    """moto's log group named by `identifier`: a name, or an ARN in this account and region."""
    name = identifier
    arn = _ARN.match(identifier)
    if arn:
        if arn["star"] and not allow_star:
            raise invalid(f"The log group ARN {identifier} must not end with *.")
        name = arn["name"] if (arn["region"], arn["account"]) == (call.region, call.account) else None
    group = call.backend().groups.get(name)
    if group is None:
        raise AwsError(400, "ResourceNotFoundException", "The specified log group does not exist.")
    return group


def matcher(pattern: str | None) -> Matcher:
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise invalid(f"Invalid filter pattern: {exc}") from exc


# --- FilterLogEvents -----------------------------------------------------------------------------


_filter_quotas: dict[tuple[str, str], TokenBucket] = {}  # per account and Region
_filter_quotas_lock = threading.Lock()


def _filter_quota(account: str, region: str) -> TokenBucket:
    with _filter_quotas_lock:
        quota = _filter_quotas.get((account, region))
        if quota is None:
            quota = _filter_quotas[(account, region)] = TokenBucket(rate=FILTER_TPS, burst=FILTER_TPS)
        return quota


def filter_log_events(call: Call, params: dict[str, Any]) -> Reply:
    """Matching events of a log group, interleaved across streams in time order, a page at a time."""
    if not _filter_quota(call.account, call.region).try_acquire():
        raise AwsError(400, "ThrottlingException", "Rate exceeded")
    if bool(params.get("logGroupName")) == bool(params.get("logGroupIdentifier")):
        raise invalid("Specify exactly one of logGroupName and logGroupIdentifier.")
    group = log_group(call, params.get("logGroupName") or params["logGroupIdentifier"])
    if params.get("logStreamNames") and params.get("logStreamNamePrefix"):
        raise invalid("logStreamNames and logStreamNamePrefix cannot both be specified.")
    limit = params.get("limit") or MAX_EVENTS
    if not 1 <= limit <= MAX_EVENTS:
        raise invalid(f"limit must be between 1 and {MAX_EVENTS}.")
    ascending, after = _position(params, group.name)
    events = _matching(group, params, matcher(params.get("filterPattern")), ascending)
    keys = [(e.timestamp, e.event_id) for _, e in events]
    if after is not None:
        events = events[_first_after(keys, after, ascending):]
    page, size = [], 0
    for stream, event in events[:limit]:
        size += len(event.message.encode()) + _EVENT_OVERHEAD
        if page and size > MAX_PAGE_BYTES:
            break
        page.append((stream, event))
    body: dict[str, Any] = {"events": [_event(stream, event) for stream, event in page], "searchedLogStreams": []}
    if len(page) < len(events):
        last = page[-1][1]
        body["nextToken"] = _token(group.name, ascending, (last.timestamp, last.event_id))
    return _json_1_1(Reply.json(body))


def _matching(group, params: dict[str, Any], matches: Matcher, ascending: bool) -> list[tuple[str, Any]]:
    names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
    start, end = params.get("startTime"), params.get("endTime")
    found = [(name, event)
             for name, stream in list(group.streams.items())
             if (not names or name in names) and (not prefix or name.startswith(prefix))
             for event in list(stream.events)
             if (start is None or event.timestamp >= start) and (end is None or event.timestamp <= end)
             and matches(event.message)]
    found.sort(key=lambda item: (item[1].timestamp, item[1].event_id), reverse=not ascending)
    return found


def _position(params: dict[str, Any], group_name: str) -> tuple[bool, tuple[int, int] | None]:
    """(ascending?, key of the last event already returned): the token's, else startFromHead's."""
    token = params.get("nextToken")
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode()))
            if state["group"] == group_name:
                return state["ascending"], tuple(state["after"])
        except (ValueError, KeyError, TypeError):
            pass
        raise invalid("The specified nextToken is invalid.")
    ascending = params.get("startFromHead", True)
    if not ascending and (params.get("startTime") or 0) < _DESCENDING_SINCE_MS:
        raise invalid("startFromHead=false is supported only with a startTime on or after 2024-01-01T00:00:00Z.")
    return ascending, None


def _first_after(keys: list[tuple[int, int]], after: tuple[int, int], ascending: bool) -> int:
    for index, key in enumerate(keys):
        if (key > after) if ascending else (key < after):
            return index
    return len(keys)


def _token(group_name: str, ascending: bool, after: tuple[int, int]) -> str:
    state = {"group": group_name, "ascending": ascending, "after": list(after)}
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _event(stream: str, event) -> dict[str, Any]:
    return {"logStreamName": stream, "timestamp": event.timestamp, "message": event.message,
            "ingestionTime": event.ingestion_time, "eventId": str(event.event_id)}


# --- StartLiveTail -------------------------------------------------------------------------------


def start_live_tail(call: Call, params: dict[str, Any]) -> Reply:
    """Validate as the reference does, then stream the session (logs_live_tail)."""
    identifiers = params.get("logGroupIdentifiers") or []
    if not 1 <= len(identifiers) <= MAX_LIVE_TAIL_GROUPS:
        raise invalid(f"logGroupIdentifiers must hold between 1 and {MAX_LIVE_TAIL_GROUPS} log groups.")
    names, prefixes = params.get("logStreamNames") or [], params.get("logStreamNamePrefixes") or []
    if names and prefixes:
        raise invalid("Only one of logStreamNames or logStreamNamePrefixes can be provided.")
    if (names or prefixes) and len(identifiers) != 1:
        raise invalid("logStreamNames and logStreamNamePrefixes can only be used with a single log group.")
    groups = [(identifier, log_group(call, identifier, allow_star=False)) for identifier in identifiers]
    session = logs_live_tail.Session(groups, names, prefixes, matcher(params.get("logEventFilterPattern")))
    frames = logs_live_tail.frames(session, logs_live_tail.start_payload(params))
    return Reply(200, headers=[("Content-Type", logs_live_tail.CONTENT_TYPE)], stream=frames)


_OPERATIONS: dict[str, Callable[[Call, dict[str, Any]], Reply]] = {
    "FilterLogEvents": filter_log_events,
    "StartLiveTail": start_live_tail,
    **logs_insights.operations(log_group),  # StartQuery, GetQueryResults, StopQuery, DescribeQueries
}
