"""Faults on request: calls answered as AWS answers a denied call, or as an emulator that lacks them.

For tests and rehearsals of partial failure (a read-only role, a policy that allows REST APIs but
not `/apis`, an emulator without API Gateway v2). A fault names a service, optionally an operation
and a region: `apigatewayv2`, `logs:StartLiveTail`, `cloudwatch@eu-west-1`. Set them with
`POST /_sandbox/faults {"deny": [...], "unimplemented": [...]}` (GET reads them; an empty POST clears)
or `apigw-console sandbox --deny ... --unimplemented ...`.
- deny: AccessDeniedException with AWS's status and body for the protocol, naming the IAM action
  and resource ("is not authorized to perform: apigateway:GET on resource: arn:aws:apigateway:…").
- unimplemented: HTTP 501, as LocalStack's free edition answers a service it does not emulate.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple


class Answer(NamedTuple):
    """What to send instead of the real answer (the router makes it a Reply)."""

    status: int
    body: bytes
    headers: list[tuple[str, str]]


def _json(payload: dict, status: int, headers: list[tuple[str, str]] = ()) -> Answer:
    return Answer(status, json.dumps(payload).encode(), [("Content-Type", "application/json"), *headers])

PATH = "/_sandbox/faults"
KINDS = ("deny", "unimplemented")
_SIGNED_AS = {"monitoring": "cloudwatch"}  # a service's signing name -> the name its clients go by
_SPEC = re.compile(r"^(?P<service>[a-z0-9-]+)(?::(?P<operation>[A-Za-z0-9]+))?(?:@(?P<region>[a-z0-9-]+))?$")


@dataclass(frozen=True)
class Fault:
    kind: str
    service: str
    operation: str | None = None
    region: str | None = None

    @classmethod
    def parse(cls, kind: str, spec: str) -> "Fault":
        found = _SPEC.match(spec.strip())
        if kind not in KINDS or not found:
            raise ValueError(f"a fault is SERVICE[:OPERATION][@REGION], e.g. apigatewayv2 or logs:StartLiveTail "
                             f"(not {spec!r})")
        return cls(kind, found["service"], found["operation"], found["region"])

    def matches(self, service: str, operation: str | None, region: str) -> bool:
        # CloudWatch signs as "monitoring"; either name is taken
        return (self.service in (service, _SIGNED_AS.get(service)) and self.operation in (None, operation)
                and self.region in (None, region))

    def __str__(self) -> str:
        return (self.service + (f":{self.operation}" if self.operation else "")
                + (f"@{self.region}" if self.region else ""))


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: tuple[Fault, ...] = ()

    def set(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults = tuple(faults)

    def describe(self) -> dict[str, list[str]]:
        with self._lock:
            return {kind: [str(f) for f in self._faults if f.kind == kind] for kind in KINDS}

    def answer(self, call: Any) -> "Answer | None":
        """The faulty answer to this call, if a fault covers it."""
        with self._lock:
            faults = self._faults
        if not faults:
            return None
        service = service_of(call)
        operation = operation_of(call, service)
        fault = next((f for f in faults if f.matches(service, operation, call.region)), None)
        if fault is None:
            return None
        return _denied(call, service, operation) if fault.kind == "deny" else _unimplemented(service)


FAULTS = Faults()


def control(method: str, body: bytes) -> Answer:
    """The faults endpoint: GET reads them, POST replaces them (`{}` clears)."""
    if method == "POST":
        try:
            wanted = json.loads(body or b"{}")
            FAULTS.set([Fault.parse(kind, spec) for kind in KINDS for spec in wanted.get(kind, ())])
        except (ValueError, AttributeError) as exc:
            return _json({"message": str(exc)}, 400)
    return _json(FAULTS.describe(), 200)


def service_of(call: Any) -> str:
    """The service as its clients name it: API Gateway v2 signs as "apigateway" and lives under /v2/."""
    return "apigatewayv2" if call.service == "apigateway" and call.path.startswith("/v2/") else call.service


def operation_of(call: Any, service: str) -> str | None:
    """The API operation a request is, as AWS reads it: X-Amz-Target (JSON), Action= (query), or the
    HTTP method and path against the service's REST routes (REST-JSON: API Gateway)."""
    target = call.headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    if call.body.startswith(b"Action="):
        return call.body.split(b"&", 1)[0][7:].decode()
    for method, pattern, name in _rest_routes(service):
        if method == call.method and pattern.match(call.path):
            return name
    return None


@lru_cache(maxsize=None)
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern, str], ...]:
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0]
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(uri).replace(r"\+\}", "}"))
        routes.append((http.get("method", "GET").upper(), re.compile(f"^{pattern}$"), name))
    # literal paths before templated ones: /restapis/{id} must not take /restapis/{id}/stages
    return tuple(sorted(routes, key=lambda r: (r[1].pattern.count("[^/]+"), -len(r[1].pattern))))


def _action_and_resource(call: Any, service: str, operation: str | None) -> tuple[str, str]:
    if service in ("apigateway", "apigatewayv2"):
        path = call.path.removeprefix("/v2") if service == "apigatewayv2" else call.path
        return f"apigateway:{call.method}", f"arn:aws:apigateway:{call.region}::{path}"
    prefix = {"monitoring": "cloudwatch"}.get(service, service)
    return f"{prefix}:{operation or 'unknown'}", "*"


def _denied(call: Any, service: str, operation: str | None) -> Answer:
    action, resource = _action_and_resource(call, service, operation)
    message = (f"User: arn:aws:sts::{call.account}:user/moto is not authorized to perform: {action} "
               f"on resource: {resource}")
    if "json" in call.environ.get("CONTENT_TYPE", "") or service in ("apigateway", "apigatewayv2"):
        status = 403 if service in ("apigateway", "apigatewayv2", "monitoring") else 400
        return _json({"__type": "AccessDeniedException", "message": message}, status,
                     [("x-amzn-ErrorType", "AccessDeniedException")])
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{message}</Message>"
            f"</Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>").encode()
    return Answer(403, body, [("Content-Type", "text/xml")])


def _unimplemented(service: str) -> Answer:
    message = (f"The API for service '{service}' is either not included in your current license plan or has "
               "not yet been emulated by this endpoint")
    return _json({"__type": "InternalFailure", "message": message}, 501, [("x-amzn-ErrorType", "InternalFailure")])
