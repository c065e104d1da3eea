"""CloudWatch's three wire protocols, so the metric handlers deal in plain values.

CloudWatch lists `smithy-rpc-v2-cbor`, `json` and `query` as its protocols. botocore 1.44 picks
the first it ranks highest, which is awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.X`,
POST /); SDKs that rank CBOR first send `POST /service/GraniteServiceVersion20100801/operation/X`
with CBOR bodies; older SDKs send the query protocol (form-encoded `Action=X`). CloudWatch answers
each in kind, errors included (`awsQueryCompatible`: the query error code travels in
`x-amzn-query-error`). moto 5.2.5 understands JSON and query but not CBOR, so a CBOR call that
moto must answer is re-sent to it as JSON and its reply re-encoded here.

Handlers get parameters as decoded values (timestamps in whatever form the wire carried: see
`epoch`) and return results with timestamps as epoch seconds; each wire encodes them.
"""

from __future__ import annotations

import abc
import base64
import dataclasses
import functools
import gzip
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.model import OperationNotFoundError
from botocore.parsers import JSONParser, RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer
from botocore.utils import parse_to_aware_datetime

from console.sandbox import moto_seam
from console.sandbox.router import Call, Reply

TARGET_PREFIX = "GraniteServiceVersion20100801"
_NAMESPACE = "com.amazonaws.cloudwatch"
_JSON = "application/x-amz-json-1.0"


@functools.cache
def service_model():
    """botocore's CloudWatch model: shapes for CBOR encoding, error codes and statuses."""
    import botocore.session

    return botocore.session.get_session().get_service_model("cloudwatch")


@functools.cache
def _modelled_errors() -> dict[str, dict[str, Any]]:
    """Error shape name -> its error trait (code, httpStatusCode, senderFault)."""
    return {shape.name: dict(shape.metadata.get("error") or {}) for shape in service_model().error_shapes}


class CloudWatchError(Exception):
    """A CloudWatch error named by its shape (`InvalidParameterValueException`) or, unmodelled, its code."""

    def __init__(self, shape: str, message: str, status: int = 400):
        super().__init__(message)
        self.shape, self.message = shape, message
        error = _modelled_errors().get(shape, {"httpStatusCode": status, "senderFault": status < 500})
        self.code = error.get("code", shape)
        self.status = error.get("httpStatusCode", 400)
        self.sender = error.get("senderFault", False)

    @classmethod
    def from_code(cls, code: str, message: str, status: int) -> CloudWatchError:
        """The error whose code (or shape name) is `code`, as a reply with `status` carried it."""
        for shape, error in _modelled_errors().items():
            if code in (shape, error.get("code")):
                return cls(shape, message)
        return cls(code, message, status)

    def query_error(self) -> str:
        return f"{self.code};{'Sender' if self.sender else 'Receiver'}"


def invalid(message: str) -> CloudWatchError:
    return CloudWatchError("InvalidParameterValueException", message)


def epoch(value: Any) -> float:
    """Seconds since the epoch from any wire form of a timestamp (number, ISO 8601, datetime)."""
    if isinstance(value, (int, float)):
        return float(value)
    return parse_to_aware_datetime(value).timestamp()


def wire_for(call: Call, operation: str | None) -> Wire:
    """The protocol `call` speaks: CBOR when routed by operation path, else JSON or query."""
    if operation:
        return CborWire(call, operation)
    target = call.headers.get("x-amz-target")
    if target:
        return JsonWire(call, target.rpartition(".")[2])
    return QueryWire(call, _action(call))


def _action(call: Call) -> str:
    """The query protocol's operation; "" (moto's to refuse) if the body is not a form."""
    try:
        return dict(parse_qsl(_body(call).decode())).get("Action", "")
    except (OSError, EOFError, ValueError):
        return ""


def _body(call: Call) -> bytes:
    """The request body, inflated if the SDK gzipped it (PutMetricData is compressible)."""
    if call.headers.get("content-encoding") == "gzip":
        return gzip.decompress(call.body)
    return call.body


@dataclasses.dataclass
class Wire(abc.ABC):
    call: Call
    operation: str

    def params(self) -> dict[str, Any]:
        """The call's parameters; a body the protocol cannot read is the client's error."""
        try:
            return self._decode()
        except Exception as exc:
            raise CloudWatchError("InvalidFormatFault", f"The request body could not be read: {exc}") from exc

    @abc.abstractmethod
    def _decode(self) -> dict[str, Any]:
        """The body's parameters."""

    @abc.abstractmethod
    def reply(self, result: dict[str, Any] | None) -> Reply:
        """A successful reply carrying `result`."""

    @abc.abstractmethod
    def error(self, error: CloudWatchError) -> Reply:
        """An error reply."""

    def forward(self) -> Reply:
        """moto's answer to the call, in this protocol; InvalidAction where moto has none."""
        try:
            reply = self.call.forward()
        except (NotImplementedError, OperationNotFoundError):  # moto raises these, in our process
            return self.error(self.unanswered())
        if reply.status >= 400 and "html" in (reply.header("Content-Type") or ""):
            return self.error(self.unanswered())
        return reply

    def unanswered(self) -> CloudWatchError:
        return CloudWatchError("InvalidAction", f"The sandbox does not implement CloudWatch {self.operation}.")

    def _operation_model(self):
        return service_model().operation_model(self.operation)


class JsonWire(Wire):
    """awsJson1_0, what botocore 1.44 sends."""

    def _decode(self) -> dict[str, Any]:
        return json.loads(_body(self.call) or b"{}")

    def reply(self, result: dict[str, Any] | None) -> Reply:
        return Reply(200, json.dumps(result or {}).encode(), [("Content-Type", _JSON)])

    def error(self, error: CloudWatchError) -> Reply:
        body = {"__type": f"{_NAMESPACE}#{error.shape}", "message": error.message}
        return Reply(error.status, json.dumps(body).encode(), [
            ("Content-Type", _JSON), ("x-amzn-query-error", error.query_error()),
            ("x-amzn-ErrorType", error.shape)])


_CBOR_HEADERS = (("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"))


class CborWire(Wire):
    """smithy rpc-v2-cbor; moto cannot read it, so forwarded calls are translated to JSON."""

    def _decode(self) -> dict[str, Any]:
        body = _body(self.call)
        if not body:
            return {}
        parser = RpcV2CBORParser()
        return parser.parse_data_item(parser.get_peekable_stream_from_bytes(body))

    def reply(self, result: dict[str, Any] | None) -> Reply:
        shape = self._operation_model().output_shape
        body = bytearray()
        if shape is not None:
            RpcV2CBORSerializer()._serialize_data_item(body, result or {}, shape)
        return Reply(200, bytes(body), list(_CBOR_HEADERS))

    def error(self, error: CloudWatchError) -> Reply:
        body = _cbor_text_map({"__type": f"{_NAMESPACE}#{error.shape}", "message": error.message})
        return Reply(error.status, body, [*_CBOR_HEADERS, ("x-amzn-query-error", error.query_error())])

    def forward(self) -> Reply:
        if self.operation not in service_model().operation_names:
            return self.error(self.unanswered())
        environ = dict(self.call.environ, PATH_INFO="/", CONTENT_TYPE=_JSON,
                       HTTP_X_AMZ_TARGET=f"{TARGET_PREFIX}.{self.operation}")
        environ.pop("HTTP_CONTENT_ENCODING", None)
        body = json.dumps(self.params(), default=_jsonable).encode()
        as_json = dataclasses.replace(self.call, environ=environ, body=body)
        reply = JsonWire(as_json, self.operation).forward()
        response = {"body": reply.body, "status_code": reply.status,
                    "headers": {k.lower(): v for k, v in reply.headers}}
        parsed = JSONParser().parse(response, self._operation_model().output_shape)
        if reply.status >= 400:
            error = parsed["Error"]
            return self.error(CloudWatchError.from_code(error["Code"], error["Message"], reply.status))
        parsed.pop("ResponseMetadata", None)
        return self.reply(parsed)


def _jsonable(value: Any) -> Any:
    """JSON for what CBOR carries and JSON does not: timestamps (epoch seconds) and blobs."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot send {type(value).__name__} to moto as JSON")


def _cbor_text_map(mapping: dict[str, str]) -> bytes:
    """A CBOR map of strings (an error body), with botocore's CBOR primitives."""
    encoder = RpcV2CBORSerializer()
    info, size = encoder._get_additional_info_and_num_bytes(len(mapping))
    body = bytearray(encoder._get_initial_byte(encoder.MAP_MAJOR_TYPE, info))
    body += len(mapping).to_bytes(size, "big") if size else b""
    for key, value in mapping.items():
        encoder._serialize_type_string(body, key, None, None)
        encoder._serialize_type_string(body, value, None, None)
    return bytes(body)


class QueryWire(Wire):
    """The query protocol (form in, XML out), parsed and serialised with moto's own machinery."""

    def _decode(self) -> dict[str, Any]:
        from werkzeug.datastructures import MultiDict

        values = MultiDict(parse_qsl(_body(self.call).decode(), keep_blank_values=True))
        return moto_seam.parse_query(self._moto_operation_model(), values)

    def reply(self, result: dict[str, Any] | None) -> Reply:
        body = moto_seam.serialize_query(self._moto_operation_model(), result)
        return Reply(200, body, [("Content-Type", "text/xml")])

    def error(self, error: CloudWatchError) -> Reply:
        body = (f'<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error>'
                f"<Type>{'Sender' if error.sender else 'Receiver'}</Type><Code>{escape(error.code)}</Code>"
                f"<Message>{escape(error.message)}</Message></Error><RequestId>sandbox</RequestId></ErrorResponse>")
        return Reply(error.status, body.encode(), [("Content-Type", "text/xml")])

    def _moto_operation_model(self):
        return moto_seam.service_model("cloudwatch").operation_model(self.operation)

