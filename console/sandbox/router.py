"""How the sandbox extends moto: a router of handlers, a WSGI layer in front of moto's server application.

moto falls short of the API reference in places (see ARCHITECTURE.md); rather than fork it, each
shortfall is a handler registered here for (service, HTTP method, path pattern). A handler either
answers the call itself, or forwards it to moto (optionally with a changed body) and amends the
reply. Calls no handler claims go to moto unchanged. Whatever escapes — an exception, moto's HTML
404/500 page — comes back as an AWS-shaped error, never as HTML or a dropped connection.

The service and region of a call are read from its SigV4 credential scope, exactly as AWS routes it.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote

from console.sandbox import faults, moto_seam
from console.sandbox.faults import FAULTS

log = logging.getLogger("apigw-console.sandbox")

_SCOPE = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


@dataclass
class Reply:
    """An answer. With `stream`, its chunks are sent as they are yielded (chunked transfer encoding:
    an event stream such as StartLiveTail's); when the client goes away, the iterator is closed."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Iterable[bytes] | None = None

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: Iterable[tuple[str, str]] = ()) -> "Reply":
        return cls(status, json.dumps(payload, default=str).encode(),
                   [("Content-Type", "application/json"), *headers])

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def data(self) -> Any:
        return json.loads(self.body or b"null")


class AwsError(Exception):
    """Raise from a handler to answer with an AWS error (REST-JSON shape: API Gateway, v2)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def reply(self) -> Reply:
        return Reply.json({"message": self.message, "__type": self.code}, self.status,
                          [("x-amzn-ErrorType", self.code)])


def bad_request(message: str) -> AwsError:
    return AwsError(400, "BadRequestException", message)


def not_found(message: str) -> AwsError:
    return AwsError(404, "NotFoundException", message)


def conflict(message: str) -> AwsError:
    return AwsError(409, "ConflictException", message)


@dataclass
class Call:
    """One request as a handler sees it."""

    service: str
    region: str
    account: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    environ: dict
    _moto: Callable[[dict, bytes], Reply]

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def forward(self, body: bytes | None = None) -> Reply:
        """Send the call to moto (with `body` instead of the original, if given) and return its reply."""
        return self._moto(self.environ, self.body if body is None else body)

    def backend(self, service: str | None = None):
        """moto's backend for this call's account and region (for another service, if named)."""
        return moto_seam.backend(service or self.service, self.account, self.region)


Handler = Callable[..., Reply]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, str, re.Pattern, Handler]] = []
        self._before: list[tuple[frozenset[str], Callable[[], None]]] = []
        self._gates: list[Callable[[Call], Reply | None]] = []

    def before(self, services: Iterable[str], hook: Callable[[], None]) -> None:
        """Run `hook()` before answering any call to one of `services` (ours or moto's)."""
        self._before.append((frozenset(services), hook))

    def gate(self, check: Callable[[Call], Reply | None]) -> None:
        """Let `check(call)` answer a call before anything else does (a limit refusing it), or pass it (None)."""
        self._gates.append(check)

    def route(self, service: str, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register `handler(call, **path_groups) -> Reply` for an exact path pattern (a regex)."""
        compiled = re.compile(f"^{pattern}$")

        def register(handler: Handler) -> Handler:
            self._routes.append((service, method.upper(), compiled, handler))
            return handler

        return register

    def match(self, service: str, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for s, m, pattern, handler in self._routes:
            if s == service and m == method:
                found = pattern.match(path)
                if found:
                    return handler, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def wrap(self, moto_app) -> Callable:
        """The WSGI application: our handlers first, moto behind them, AWS-shaped errors always."""

        def call_moto(environ: dict, body: bytes) -> Reply:
            import io

            environ = dict(environ, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
            captured: dict[str, Any] = {}

            def start_response(status, headers, exc_info=None):
                captured["status"], captured["headers"] = int(status.split()[0]), list(headers)

            chunks = moto_app(environ, start_response)
            try:
                payload = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
            return Reply(captured["status"], payload, captured["headers"])

        def application(environ, start_response):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            call = self._call(environ, body, call_moto)
            try:
                faulty = faults.control(environ["REQUEST_METHOD"], body) if environ.get("PATH_INFO") == faults.PATH \
                    else FAULTS.answer(call) if call else None
                if faulty is not None:
                    return _send(Reply(*faulty), start_response)
                gated = next((reply for gate in self._gates if call and (reply := gate(call))), None)
                if gated is not None:
                    return _send(gated, start_response)
                for services, hook in self._before:
                    if call and call.service in services:
                        hook()
                found = self.match(call.service, call.method, call.path) if call else None
                reply = found[0](call, **found[1]) if found else call_moto(environ, body)
                reply = _no_html(reply, call)
            except AwsError as error:
                reply = error.reply()
            except Exception as exc:  # a sandbox bug must still look like an AWS failure to the client
                log.error("sandbox handler failed: %s\n%s", exc, traceback.format_exc())
                reply = AwsError(500, "InternalFailure", f"The sandbox failed on this request: {exc}").reply()
            return _send(reply, start_response)

        return application

    @staticmethod
    def _call(environ: dict, body: bytes, moto: Callable[[dict, bytes], Reply]) -> Call | None:
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if not scope:
            return None
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        return Call(
            service=scope["service"],
            region=scope["region"],
            account=moto_seam.account_of(scope["key"]),  # as moto's own handlers tell accounts apart
            method=environ["REQUEST_METHOD"].upper(),
            path=environ.get("PATH_INFO", "/"),
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers,
            body=body,
            environ=environ,
            _moto=moto,
        )


def _send(reply: Reply, start_response) -> Iterable[bytes]:
    headers = [(k, v) for k, v in reply.headers if k.lower() != "content-length"]
    if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
        headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
    if reply.stream is None:
        headers.append(("Content-Length", str(len(reply.body))))
    start_response(f"{reply.status} {_REASONS.get(reply.status, 'Status')}", headers)
    return [reply.body] if reply.stream is None else reply.stream


def _no_html(reply: Reply, call: Call | None) -> Reply:
    """moto answers unknown routes and its own crashes with HTML pages; clients deserve AWS errors."""
    if reply.status < 400 or "html" not in (reply.header("Content-Type") or ""):
        return reply
    what = f"{call.method} {call.path} ({call.service})" if call else "this request"
    if reply.status == 404:
        return AwsError(404, "UnknownOperationException",
                        f"The sandbox does not implement {what}.").reply()
    return AwsError(reply.status if reply.status >= 500 else 400, "InternalFailure",
                    f"The sandbox could not answer {what}.").reply()


_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
            501: "Not Implemented"}
