"""CloudWatch Logs reads that answer like CloudWatch Logs: FilterLogEvents and StartLiveTail (and the
Logs Insights queries of logs_insights).

FilterLogEvents also keeps its documented quota, 5 transactions a second per account and Region,
shared by every client: a call over it is refused with ThrottlingException, as AWS refuses it. A
query's sorted matches are kept between its pages (until the group changes), and a token's place is
found by bisection, so a page costs what it holds, not what the group holds. GetLogEvents is
answered by logs_events; DescribeLogStreams by moto, within its quota of 5 a second.

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
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from console.sandbox.fidelity import logs_events, logs_insights, logs_live_tail
from console.sandbox.fidelity.logs_events import EVENT_OVERHEAD, MAX_PAGE_BYTES
from console.sandbox.fidelity.logs_filter import Matcher, PatternError, compile_pattern
from console.sandbox.router import AwsError, Call, Reply, Router

MAX_EVENTS = 10_000  # FilterLogEvents and GetLogEvents: 10,000 events or 1 MB a page (logs_events)
_DESCENDING_SINCE_MS = 1_704_067_200_000  # startFromHead=false needs startTime >= 2024-01-01
MAX_LIVE_TAIL_GROUPS = 10
FILTER_TPS = 5  # FilterLogEvents quota: transactions a second per account and Region
DESCRIBE_STREAMS_TPS = 5  # DescribeLogStreams quota: likewise
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


def group_and_limit(call: Call, params: dict[str, Any]) -> tuple[Any, int]:
    """The group a read names (exactly one of logGroupName and logGroupIdentifier) and its page size, checked
    as FilterLogEvents' and GetLogEvents' references say."""
    if bool(params.get("logGroupName")) == bool(params.get("logGroupIdentifier")):
        raise invalid("Specify exactly one of logGroupName and logGroupIdentifier.")
    group = log_group(call, params.get("logGroupName") or params["logGroupIdentifier"])
    limit = params.get("limit") or MAX_EVENTS
    if not 1 <= limit <= MAX_EVENTS:
        raise invalid(f"limit must be between 1 and {MAX_EVENTS}.")
    return group, limit


def matcher(pattern: str | None) -> Matcher:
    try:
        return compile_pattern(pattern)
    except PatternError as exc:
        raise invalid(f"Invalid filter pattern: {exc}") from exc


# --- FilterLogEvents -----------------------------------------------------------------------------


_filter_quota = logs_events.Quotas(FILTER_TPS)
_QUERIES_KEPT = 8  # queries whose sorted matches are kept for their next pages
_queries: OrderedDict[tuple, tuple[list[tuple[int, int]], list[tuple[str, Any]]]] = OrderedDict()
_queries_lock = threading.Lock()


def filter_log_events(call: Call, params: dict[str, Any]) -> Reply:
    """Matching events of a log group, interleaved across streams in time order, a page at a time."""
    _filter_quota.admit(call.account, call.region)
    group, limit = group_and_limit(call, params)
    if params.get("logStreamNames") and params.get("logStreamNamePrefix"):
        raise invalid("logStreamNames and logStreamNamePrefix cannot both be specified.")
    ascending, after = _position(params, group.name)
    keys, events = _matching(group, params, ascending)
    first = 0 if after is None else bisect_right(keys, _order(after, ascending))
    events = events[first:first + limit + 1]
    page, size = [], 0
    for stream, event in events[:limit]:
        size += len(event.message.encode()) + EVENT_OVERHEAD
        if page and size > MAX_PAGE_BYTES:
            break
        page.append((stream, event))
    body: dict[str, Any] = {"events": [_event(stream, event) for stream, event in page], "searchedLogStreams": []}
    if len(page) < len(events):
        last = page[-1][1]
        body["nextToken"] = _token(group.name, ascending, (last.timestamp, last.event_id))
    return _json_1_1(Reply.json(body))


def _matching(group, params: dict[str, Any], ascending: bool) -> tuple[list[tuple[int, int]], list[tuple[str, Any]]]:
    """The query's matches in the order asked for, with their sort keys (_order): kept while the group
    is unchanged (the same streams, each holding as many events), so that its next pages bisect them."""
    names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
    start, end, pattern = params.get("startTime"), params.get("endTime"), params.get("filterPattern")
    streams = [(name, stream) for name, stream in list(group.streams.items())
               if (not names or name in names) and (not prefix or name.startswith(prefix))]
    query = (id(group), group.name, tuple((name, id(stream), len(stream.events)) for name, stream in streams),
             start, end, pattern, ascending)
    with _queries_lock:
        kept = _queries.get(query)
        if kept is not None:
            _queries.move_to_end(query)
            return kept
    matches = matcher(pattern)
    found = [(name, event)
             for name, stream in streams
             for event in list(stream.events)
             if (start is None or event.timestamp >= start) and (end is None or event.timestamp <= end)
             and matches(event.message)]
    found.sort(key=lambda item: (item[1].timestamp, item[1].event_id), reverse=not ascending)
    kept = ([_order((event.timestamp, event.event_id), ascending) for _, event in found], found)
    with _queries_lock:
        _queries[query] = kept
        while len(_queries) > _QUERIES_KEPT:
            _queries.popitem(last=False)
    return kept


def _order(key: tuple[int, int], ascending: bool) -> tuple[int, int]:
    """A sort key that increases along the pages either way, for bisection."""
    return key if ascending else (-key[0], -key[1])


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


def get_log_events(call: Call, params: dict[str, Any]) -> Reply:
    return _json_1_1(logs_events.get_log_events(call, params, group_and_limit, invalid))


_describe_streams_quota = logs_events.Quotas(DESCRIBE_STREAMS_TPS)


def describe_log_streams(call: Call, _params: dict[str, Any]) -> Reply:
    """moto's answer (50 streams a page, orderBy LastEventTime), within the call's documented quota."""
    _describe_streams_quota.admit(call.account, call.region)
    return call.forward()


_OPERATIONS: dict[str, Callable[[Call, dict[str, Any]], Reply]] = {
    "FilterLogEvents": filter_log_events,
    "GetLogEvents": get_log_events,
    "DescribeLogStreams": describe_log_streams,
    "StartLiveTail": start_live_tail,
    **logs_insights.operations(log_group),  # StartQuery, GetQueryResults, StopQuery, DescribeQueries
}
