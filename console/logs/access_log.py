"""Access-log lines parsed by the stage's own format, whatever it is.

API Gateway writes an access-log line by substituting each `$context.*` variable of the stage's
`accessLogSettings.format` into the format's text, "-" where a variable has no value. So the format
itself is the grammar: its literal text separates the values. `parser_for` turns a format (JSON,
CLF, CSV, XML or anything else) into one anchored regular expression with a group per variable —
about 4 µs a line, faster than json.loads — and maps the variables an operator asks about (status,
latencies, route, method, caller, key, error, cause) onto named fields of an `Entry`. `facts` reads only
what the charts and filters need of every line (status, latency, route, method, cause) in a third of that
time; the whole Entry is for the lines someone looks at.

A 4xx's cause is the gateway response API Gateway answered with (`$context.error.responseType`:
INVALID_API_KEY, THROTTLED, WAF_FILTERED, ...); "-" when the backend answered, so a line's `cause` is
None then, and `logs_cause(format)` says whether a format records it at all.

No boto3 and no Textual here: the tail engine, the charts, the CLI and the canary comparison all
parse through this module.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Mapping, NamedTuple

VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")

# What the console proposes when it turns access logging on: every field the log view, the charts and
# the canary comparison use, as JSON (each value quoted, so a "-" keeps the line valid JSON).
RECOMMENDED_JSON_FORMAT = (
    '{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId",'
    '"ip":"$context.identity.sourceIp","userAgent":"$context.identity.userAgent",'
    '"apiKeyId":"$context.identity.apiKeyId","requestTime":"$context.requestTime",'
    '"requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod",'
    '"resourcePath":"$context.resourcePath","path":"$context.path","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"responseLatency":"$context.responseLatency","integrationLatency":"$context.integrationLatency",'
    '"integrationStatus":"$context.integration.status","errorMessage":"$context.error.message",'
    '"responseType":"$context.error.responseType","authorizerError":"$context.authorizer.error",'
    '"wafStatus":"$context.waf.status","wafResponseCode":"$context.wafResponseCode",'
    '"deploymentId":"$context.deploymentId","isCanaryRequest":"$context.isCanaryRequest"}'
)
# HTTP APIs refuse REST-only variables (resourcePath, apiKeyId, canary, WAF: HTTP APIs have no web ACL):
# the same fields in their words.
RECOMMENDED_HTTP_JSON_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"userAgent":"$context.identity.userAgent","requestTime":"$context.requestTime",'
    '"requestTimeEpoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod",'
    '"routeKey":"$context.routeKey","path":"$context.path","status":"$context.status",'
    '"protocol":"$context.protocol","responseLength":"$context.responseLength",'
    '"responseLatency":"$context.responseLatency","integrationLatency":"$context.integration.latency",'
    '"integrationStatus":"$context.integration.status","errorMessage":"$context.error.message",'
    '"integrationError":"$context.integrationErrorMessage","responseType":"$context.error.responseType",'
    '"authorizerError":"$context.authorizer.error"}'
)

# Entry field <- the $context variables that carry it, first with a value wins.
_REQUEST_ID = ("requestId", "extendedRequestId")
_STATUS = ("status",)
_LATENCY = ("responseLatency",)
_INTEGRATION_LATENCY = ("integrationLatency", "integration.latency")
_ROUTE = ("routeKey", "resourcePath", "path")
_METHOD = ("httpMethod",)
_IP = ("identity.sourceIp",)
_API_KEY = ("identity.apiKeyId",)
_ERROR = ("error.message", "error.messageString", "integrationErrorMessage", "integration.error",
          "authorizer.error")
_CAUSE = ("error.responseType",)
_TIME = ("requestTimeEpoch", "requestTime")
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def logs_cause(log_format: str | None) -> bool:
    """Whether lines of this format say why a request was refused ($context.error.responseType)."""
    return bool(log_format) and "error.responseType" in VARIABLE.findall(log_format)


def recommended_format(http: bool) -> str:
    """The format to propose for a stage: HTTP APIs know fewer variables than REST APIs."""
    return RECOMMENDED_HTTP_JSON_FORMAT if http else RECOMMENDED_JSON_FORMAT


class Entry(NamedTuple):
    """One access-log line: the fields an operator asks about, every variable, and the line itself.

    A named tuple, made for each line shown, printed or compared (every line gets its cheaper Facts).
    `fields` and `time` are worked out when asked for, from the variables' names and values as written
    ("-" when unset).
    """

    request_id: str | None
    status: int | None
    latency_ms: float | None
    integration_latency_ms: float | None
    method: str | None
    route: str | None  # the REST resource path (/orders/{id}) or the HTTP route key (GET /orders)
    ip: str | None
    api_key_id: str | None
    error_message: str | None
    cause: str | None  # the gateway response type (INVALID_API_KEY, THROTTLED...); None: none or not logged
    raw: str
    names: tuple[str, ...]  # the $context variables of the format, each once ...
    values: tuple[str, ...]  # ... and their values

    @property
    def fields(self) -> dict[str, str]:
        """Every $context variable of the format, as written."""
        return dict(zip(self.names, self.values, strict=True))

    @property
    def time(self) -> datetime | None:
        """When the request came: `requestTimeEpoch`, else `requestTime`; None if the format has neither."""
        fields = self.fields
        epoch = fields.get("requestTimeEpoch")
        moment = _epoch(epoch) if epoch else None
        return moment if moment is not None else clf_time(fields.get("requestTime"))

    @property
    def status_class(self) -> str | None:
        """"2xx" .. "5xx", or None when the line has no status."""
        return f"{self.status // 100}xx" if self.status is not None else None


class Facts(NamedTuple):
    """What the charts and the filters need of every line: the same values as the line's Entry has."""

    status: int | None
    latency_ms: float | None
    route: str | None
    method: str | None
    cause: str | None = None  # $context.error.responseType


class AccessLogParser:
    """Parses the lines of one access-log format; build it with `parser_for`."""

    def __init__(self, format: str):
        self.format = format
        self.variables: tuple[str, ...] = tuple(VARIABLE.findall(format))
        pieces = VARIABLE.split(format)
        literals = pieces[0::2]
        self._pattern = re.compile("".join(
            _literal(text) + ("(.*?)" if index < len(self.variables) else "")
            for index, text in enumerate(literals)) + r"\s*\Z", re.DOTALL)
        # Tried first, three times faster: a value runs up to the first character of the text after it.
        # Where this matches, the lazy pattern would split the line at the same places (each group of
        # both ends at the earliest point the rest can match from); where a value holds that character,
        # this fails and the lazy pattern decides.
        self._fast = _fast_pattern(literals, self.variables)
        self._simple = len(set(self.variables)) == len(self.variables)
        self._resolve = _resolver(self.variables)
        # The fast pattern again, capturing only the variables Facts come from (a third of the time).
        self._facts_fast = _fast_pattern(literals, self.variables, _FACT_VARIABLES)
        self._facts_resolve = _resolver(tuple(n for n in self.variables if n in _FACT_VARIABLES), facts=True)
        self.json_keys = _json_keys(format)  # for a JSON line whose keys came in another order
        # A JSON string value may arrive escaped (\" \\ \uXXXX); which variables sit inside quotes:
        self._quoted = frozenset(i for i, text in enumerate(literals[:-1])
                                 if text.rstrip().endswith('"')) if self.json_keys is not None else frozenset()

    def parse(self, message: str) -> Entry | None:
        """The line's entry, or None when it is not a line of this format."""
        match = self._fast.match(message) or self._pattern.match(message)
        if match is not None:
            if self._simple and "\\" not in message:
                return self._resolve(match.groups(), message)
            fields = self._fields(match.groups())
        elif self.json_keys and message.lstrip().startswith("{"):
            fields = self._from_json(message)
            if fields is None:
                return None
        else:
            return None
        return entry(fields, message)

    def facts(self, message: str) -> Facts | None:
        """The line's Facts (those of `parse(message)`), or None when it is not a line of this format."""
        if self._simple and "\\" not in message:
            match = self._facts_fast.match(message)
            if match is not None:
                return self._facts_resolve(match.groups())
        found = self.parse(message)  # a value holding its delimiter, escapes, a variable twice: the long way
        return None if found is None else Facts(found.status, found.latency_ms, found.route, found.method,
                                                found.cause)

    def _fields(self, values: tuple[str, ...]) -> dict[str, str]:
        """Values by variable: escaped JSON strings decoded; of a repeated variable, the first set one."""
        fields: dict[str, str] = {}
        for index, (name, value) in enumerate(zip(self.variables, values, strict=True)):
            if index in self._quoted and "\\" in value:
                value = _unescape(value)
            if name not in fields or fields[name] == "-":
                fields[name] = value
        return fields

    def _from_json(self, message: str) -> dict[str, str] | None:
        try:
            document = json.loads(message)
        except ValueError:
            return None
        if not isinstance(document, dict):
            return None
        fields: dict[str, str] = {}
        for path, name in self.json_keys.items():
            value = _at(document, path)
            if value is not None:
                fields[name] = value if isinstance(value, str) else json.dumps(value)
        return fields or None


@lru_cache(maxsize=64)
def parser_for(format: str) -> AccessLogParser:
    """The parser of a stage's access-log format (cached: a tail asks for it on every refresh)."""
    return AccessLogParser(format)


def entry(fields: Mapping[str, str], raw: str) -> Entry:
    """An Entry from $context variable values (as written; "-" for none)."""
    return _resolver(tuple(fields))(tuple(fields.values()), raw)


_FIELDS = (("request_id", _REQUEST_ID), ("status", _STATUS), ("latency", _LATENCY),
           ("integration", _INTEGRATION_LATENCY), ("route", _ROUTE), ("method", _METHOD), ("ip", _IP),
           ("api_key", _API_KEY), ("error", _ERROR), ("cause", _CAUSE))
_FACT_FIELDS = ("status", "latency", "route", "method", "cause")
_FACT_VARIABLES = frozenset(name for attribute, names in _FIELDS if attribute in _FACT_FIELDS for name in names)


@lru_cache(maxsize=256)
def _resolver(names: tuple[str, ...], facts: bool = False):
    """A function (values, raw) -> Entry for lines whose values are those of `names`, in that order
    (each name once), written out for them; with `facts`, a function (values) -> Facts.

    A line has a few microseconds: reading only the variables the format has, by position, inline,
    is several times cheaper than going through a dict of fields and a generic helper. Entry and
    Facts come from the same code, so they agree.
    """
    position = {name: index for index, name in reversed(list(enumerate(names)))}
    code = ["def resolve(values):" if facts else "def resolve(values, raw):"]
    for attribute, candidates in _FIELDS:
        if facts and attribute not in _FACT_FIELDS:
            continue
        code.append(f"    {attribute} = None")
        for name in (n for n in candidates if n in position):
            code += [f"    if {attribute} is None:",
                     f"        {attribute} = values[{position[name]}]",
                     f"        if {attribute} == '-' or not {attribute}: {attribute} = None"]
    code += [
        "    if method is None and route and ' ' in route:  # an HTTP route key: 'GET /orders'",
        "        method = route.split(' ', 1)[0]",
        "    status = int(status) if status is not None and status.isdigit() else None",
    ]
    if facts:
        code.append("    return new(Facts, (status, _float(latency), route, method, cause))")
    else:
        code += [
            "    if error and len(error) >= 2 and error[0] == error[-1] == '\"':  # error.messageString is quoted",
            "        error = error[1:-1]",
            "    return Entry(request_id, status, _float(latency), _float(integration), method, route, ip, api_key,",
            "                 error, cause, raw, names, values)",
        ]
    namespace = {"Entry": Entry, "Facts": Facts, "new": tuple.__new__, "_float": _float, "names": tuple(names)}
    exec("\n".join(code), namespace)  # noqa: S102 — the source is ours, built from fixed names
    return namespace["resolve"]


def _fast_pattern(literals: list[str], variables: tuple[str, ...], captured: frozenset[str] | None = None):
    """Each value runs up to the first character of the literal after it; the variables in `captured`
    (every one, if None) are groups, the others only matched."""
    return re.compile("".join(
        _literal(text) + (_up_to(literals[index + 1], captured is None or variables[index] in captured)
                          if index < len(variables) else "")
        for index, text in enumerate(literals)) + r"\s*\Z", re.DOTALL)


def _up_to(following: str, capture: bool = True) -> str:
    """A group that stops before the first character of the literal that follows it."""
    group = "(" if capture else "(?:"
    if not following:
        return group + ".*?)"
    if following[0].isspace():
        return group + r"\S*)"
    return group + f"[^{re.escape(following[0])}]*)"


def _literal(text: str) -> str:
    """A literal of the format as a pattern: whitespace runs match any whitespace run."""
    return r"\s+".join(re.escape(part) for part in re.split(r"\s+", text)) if text.strip() else (
        r"\s+" if text else "")


def _json_keys(format: str) -> dict[tuple[str, ...], str] | None:
    """For a JSON format, the key path of each variable that is a whole value; None if not JSON."""
    marked = VARIABLE.sub(lambda m: f"\x00{m.group(1)}\x00", format)
    quoted = re.sub(r'(?<!")\x00[A-Za-z0-9_.]+\x00(?!")', lambda m: f'"{m.group(0)}"', marked)  # unquoted numbers
    try:
        document = json.loads(quoted, strict=False)  # strict JSON refuses the \x00 markers
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    keys: dict[tuple[str, ...], str] = {}

    def walk(node: object, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, str):
            whole = re.fullmatch("\x00([A-Za-z0-9_.]+)\x00", node)
            if whole:
                keys[path] = whole.group(1)

    walk(document, ())
    return keys


def _at(document: dict, path: tuple[str, ...]) -> object | None:
    node: object = document
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _unescape(value: str) -> str:
    try:
        return json.loads(f'"{value}"')
    except ValueError:
        return value


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _epoch(text: str) -> datetime | None:
    """`$context.requestTimeEpoch`: milliseconds (REST), or seconds where a value is that small."""
    try:
        number = float(text)
    except ValueError:
        return None
    return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)


def clf_time(text: str | None) -> datetime | None:
    """`$context.requestTime` ("12/Mar/2026:10:11:12 +0000") as an aware datetime; None if not that."""
    if not text or len(text) < 20:
        return None
    try:
        moment = datetime(int(text[7:11]), _MONTHS[text[3:6]], int(text[0:2]),
                          int(text[12:14]), int(text[15:17]), int(text[18:20]), tzinfo=UTC)
    except (KeyError, ValueError):
        return None
    offset = text[21:26]
    if len(offset) == 5 and offset[0] in "+-" and offset[1:] != "0000":
        sign = -1 if offset[0] == "+" else 1
        moment = moment.fromtimestamp(moment.timestamp() + sign * (int(offset[1:3]) * 3600 + int(offset[3:5]) * 60),
                                      UTC)
    return moment
