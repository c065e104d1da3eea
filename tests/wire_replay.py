"""Recorded AWS wire exchanges: captured from the sandbox over HTTP, replayed to real boto3 clients.

`Recorder` (used by tests/recorded/capture.py) keeps each HTTP exchange a client makes: the request
line and body digest, and the response's status, headers and raw body bytes, exactly as they crossed
the wire. `Replay` answers a client's requests from those recordings at botocore's `before-send`
hook, so botocore itself parses the recorded bytes (JSON or CBOR) as it would a live answer; a request
that was never recorded is an error, never an invented answer.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse, HeadersDict

RECORDED = Path(__file__).parent / "recorded"
META = RECORDED / "capture.meta.json"  # when and where the recordings were taken
# Response headers worth keeping: what botocore reads to parse and to report.
KEPT_HEADERS = ("content-type", "x-amzn-requestid", "x-amzn-errortype", "x-amzn-query-mode", "smithy-protocol")


def request_key(operation: str, method: str, url: str, body: bytes | str | None) -> str:
    """What identifies a request across runs: operation, method, path and query, and the body's digest."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    data = body.encode() if isinstance(body, str) else (body or b"")
    return f"{operation} {method} {path} {hashlib.sha256(data).hexdigest()[:16]}"


def _body(data: bytes) -> dict:
    try:
        return {"body": data.decode("utf-8")}
    except UnicodeDecodeError:  # CloudWatch answers in CBOR
        return {"body_base64": base64.b64encode(data).decode("ascii")}


class Recorder:
    """Attach to clients; every exchange is kept under the current `label` (e.g. "orders-api.prod")."""

    def __init__(self) -> None:
        self.label = ""
        self.exchanges: list[dict] = []
        self._pending: dict[str, dict] = {}

    def attach(self, client) -> None:
        service = client.meta.service_model.service_name
        client.meta.events.register("before-send", lambda request, event_name, **_: self._sent(service, request,
                                                                                              event_name))
        client.meta.events.register("before-parse", lambda response_dict, operation_model, **_: self._received(
            service, operation_model.name, response_dict))

    def _sent(self, service: str, request, event_name: str) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self._pending[f"{service}.{operation}"] = {
            "service": service, "operation": operation, "label": self.label,
            "request": {"method": request.method, "key": request_key(operation, request.method, request.url,
                                                                     request.body)},
        }

    def _received(self, service: str, operation: str, response: dict) -> None:
        exchange = self._pending.pop(f"{service}.{operation}")
        headers = {k.lower(): v for k, v in response["headers"].items() if k.lower() in KEPT_HEADERS}
        exchange["response"] = {"status": response["status_code"], "headers": headers, **_body(response["body"])}
        self.exchanges.append(exchange)

    def save(self, directory: Path = RECORDED) -> list[Path]:
        written, seen = [], {}
        for exchange in self.exchanges:
            stem = ".".join(p for p in (exchange["service"], exchange["operation"], exchange["label"]) if p)
            seen[stem] = seen.get(stem, 0) + 1
            name = stem + (f".{seen[stem]}" if seen[stem] > 1 else "") + ".json"
            path = directory / name
            path.write_text(json.dumps(exchange, indent=1, sort_keys=True) + "\n")
            written.append(path)
        return written


def meta() -> dict:
    return json.loads(META.read_text())


def load(directory: Path = RECORDED) -> dict[str, dict]:
    """Every recorded exchange, by request key."""
    exchanges = {}
    for path in sorted(directory.glob("*.json")):
        if path.name == META.name:
            continue
        exchange = json.loads(path.read_text())
        exchange["file"] = path.name
        exchanges[exchange["request"]["key"]] = exchange
    return exchanges


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs):
        yield self._data


class Replay:
    """Answers a client's requests from the recordings; `sent` lists the files answered, in order."""

    def __init__(self, exchanges: dict[str, dict] | None = None) -> None:
        self.exchanges = exchanges if exchanges is not None else load()
        self.sent: list[str] = []

    def attach(self, client) -> None:
        client.meta.events.register("before-send", self._answer)

    def _answer(self, request, event_name: str, **_kwargs) -> AWSResponse:
        operation = event_name.rsplit(".", 1)[-1]
        key = request_key(operation, request.method, request.url, request.body)
        exchange = self.exchanges.get(key)
        if exchange is None:
            raise AssertionError(f"no recorded exchange for {key}; run tests/recorded/capture.py")
        self.sent.append(exchange["file"])
        response = exchange["response"]
        data = base64.b64decode(response["body_base64"]) if "body_base64" in response else response["body"].encode()
        return AWSResponse(request.url, response["status"], HeadersDict(response["headers"]), _Raw(data))
