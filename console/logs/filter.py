"""What the operator filters access-log lines by, locally and as a CloudWatch Logs filter pattern.

A filter is typed as words: `5xx` (a status class), `GET` (a method), `/orders` (a route prefix),
`cause:INVALID_API_KEY` (the gateway response a request was refused with), and any other words (text the line must contain, case-sensitive as CloudWatch's terms are). It is
applied to every line shown, and also turned into a filter pattern for AWS wherever the stage's
format allows one that keeps every matching line: a JSON pattern for JSON formats, a
space-delimited one for CLF-like formats, terms for text. Lines the pattern lets through are
still checked locally, so a pattern only ever narrows what is fetched, never what is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.logs.access_log import VARIABLE, AccessLogParser

VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
CLASS = re.compile(r"^[1-5]xx$", re.IGNORECASE)
CAUSE = re.compile(r"^cause:([A-Za-z0-9_]+)$", re.IGNORECASE)
_CLASS_OF = {hundred: f"{hundred}xx" for hundred in range(1, 6)}
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Variables whose values never hold a space: safe as unquoted fields of a space-delimited pattern.
_ONE_WORD = frozenset((
    "requestId", "extendedRequestId", "identity.sourceIp", "identity.caller", "identity.user",
    "identity.apiKeyId", "identity.accountId", "httpMethod", "resourcePath", "path", "status", "protocol",
    "responseLength", "responseLatency", "integrationLatency", "integration.latency", "integration.status",
    "integrationStatus", "requestTimeEpoch", "stage", "apiId", "domainName", "deploymentId", "isCanaryRequest",
    "error.responseType",
))


@dataclass(frozen=True)
class LineFilter:
    statuses: frozenset[str] = frozenset()  # "4xx", "5xx", ...: any of them
    method: str | None = None
    route: str | None = None  # a prefix of the resource path or of the route key's path
    text: str | None = None  # words the raw line must contain, in this order
    cause: str | None = None  # the gateway response type ($context.error.responseType), e.g. INVALID_API_KEY

    @classmethod
    def parse(cls, typed: str) -> LineFilter:
        """ "5xx 4xx POST /payments timeout" -> statuses {4xx, 5xx}, POST, /payments, text "timeout";
        "cause:invalid_api_key" -> cause INVALID_API_KEY."""
        statuses, method, route, cause, words = set(), None, None, None, []
        for word in typed.split():
            if CLASS.match(word):
                statuses.add(word.lower())
            elif (named := CAUSE.match(word)) and cause is None:
                cause = named.group(1).upper()
            elif word.upper() in VERBS and method is None:
                method = word.upper()
            elif word.startswith("/") and route is None:
                route = word
            else:
                words.append(word)
        return cls(frozenset(statuses), method, route, " ".join(words) or None, cause)

    @property
    def active(self) -> bool:
        return bool(self.statuses or self.method or self.route or self.text or self.cause)

    def typed(self) -> str:
        """The filter as the operator would type it (what `parse` reads back)."""
        return " ".join(sorted(self.statuses) + [p for p in (self.method, self.route) if p]
                        + ([f"cause:{self.cause}"] if self.cause else []) + ([self.text] if self.text else []))

    def describe(self) -> str:
        parts = sorted(self.statuses) + [p for p in (self.method, self.route) if p]
        if self.cause:
            parts.append(f"cause {self.cause}")
        if self.text:
            parts.append(f'"{self.text}"')
        return " ".join(parts) or "everything"

    def matches(self, line) -> bool:
        """A tailed line (anything with `facts` and `message`) passes every part of the filter."""
        if self.text and self.text not in line.message:
            return False
        if not (self.statuses or self.method or self.route or self.cause):
            return True
        facts = line.facts
        if facts is None:
            return False
        if self.statuses and (facts.status is None or _CLASS_OF.get(facts.status // 100) not in self.statuses):
            return False
        if self.method and facts.method != self.method:
            return False
        if self.route and not _route_path(facts.route or "").startswith(self.route):
            return False
        if self.cause and facts.cause != self.cause:
            return False
        return True

    def pattern(self, parser: AccessLogParser | None) -> str | None:
        """A CloudWatch Logs filter pattern that lets every matching line through; None if none narrows."""
        if parser is not None:
            structured = _json_pattern(self, parser) or _delimited_pattern(self, parser)
            if structured:
                return structured
        if self.text:
            return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return None


def _route_path(route: str) -> str:
    """A route key "GET /orders" compares by its path, like a resource path."""
    return route.split(" ", 1)[1] if " " in route and not route.startswith("/") else route


def _json_pattern(line_filter: LineFilter, parser: AccessLogParser) -> str | None:
    keys = parser.json_keys
    if not keys:
        return None
    where = {name: path for path, name in keys.items() if all(_SIMPLE_KEY.match(k) for k in path)}

    def selector(*names: str) -> str | None:
        name = next((n for n in names if n in where), None)
        return "$." + ".".join(where[name]) if name else None

    conditions = []
    status = selector("status")
    if line_filter.statuses and status:
        ranges = [f"({status} >= {c[0]}00 && {status} <= {c[0]}99)" for c in sorted(line_filter.statuses)]
        conditions.append(ranges[0] if len(ranges) == 1 else "(" + " || ".join(ranges) + ")")
    method = selector("httpMethod")
    route_key = selector("routeKey")
    resource = selector("resourcePath")
    if line_filter.method:
        if method:
            conditions.append(f'{method} = "{line_filter.method}"')
        elif route_key:
            conditions.append(f'{route_key} = "{line_filter.method} *"')
    if line_filter.route:
        if resource:
            conditions.append(f'{resource} = "{line_filter.route}*"')
        elif route_key:
            conditions.append(f'{route_key} = "* {line_filter.route}*"')
    cause = selector("error.responseType")
    if line_filter.cause and cause:
        conditions.append(f'{cause} = "{line_filter.cause}"')
    return "{ " + " && ".join(conditions) + " }" if conditions else None


def _one_word(field: str) -> bool:
    """A field of the format that is always one space-free word: literals and one-word variables."""
    return all(name in _ONE_WORD for name in VARIABLE.findall(field))


def _delimited_pattern(line_filter: LineFilter, parser: AccessLogParser) -> str | None:
    """`[f0, f1, status = 5*, ...]` when the status is a field of its own in a space-separated format
    and every field before it is one field whatever its value (a lone variable, or bracketed/quoted)."""
    if not line_filter.statuses or parser.json_keys is not None:
        return None
    fields = re.findall(r'\[[^\]]*\]|"[^"]*"|\S+', parser.format)
    at = next((i for i, f in enumerate(fields) if f == "$context.status"), None)
    if at is None or not all(f[0] in '["' or _one_word(f) for f in fields[:at]):
        return None
    condition = " || ".join(f"status = {c[0]}*" for c in sorted(line_filter.statuses))
    return "[" + "".join(f"f{i}, " for i in range(at)) + condition + ", ...]"
