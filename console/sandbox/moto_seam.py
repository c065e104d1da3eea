"""The one module that imports moto: every moto internal the sandbox relies on, by name.

The rest of the sandbox reaches moto only through the functions here (an import-linter contract
keeps it so), and tests/sandbox/test_moto_seam.py imports each symbol of `MOTO_SYMBOLS` by its
dotted path, so a moto upgrade that moves one fails there, naming it, rather than somewhere deep in
a request. Importing this module costs nothing: moto is imported inside each function, when first
called, so the package root and `process` stay free of it and a console can spawn a sandbox
without paying for moto.

What is touched, and why:

- `moto.backends.get_backend`: each service's in-memory backend for an account and region
  (`backend`): the fidelity handlers read and amend moto's models there, the history writes
  access-log lines straight into the Logs backend, the CloudWatch store lives on CloudWatch's;
  `set_backend` puts a snapshot's backends in place of the ones a build would make.
- `moto.core.base_backend.BackendDict._instances` and `backend_lock`: a snapshot keeps an account's
  per-region mapping of a service whole (`account_backends`), and `set_account_backends` puts it back
  as moto would have made it (registered, so moto's reset clears it) without moto listing the
  service's regions again.
- `moto.iam.models.get_account_id_from`: the account a call's access key belongs to (`account_of`), so
  the fidelity handlers keep accounts apart as moto does (STS AssumeRole keys are the role's account's).
- `moto.backends.list_of_moto_modules`: moto's dispatcher lists (and stats) its package directory
  on every request to route it; `install_patches` replaces it with a list read once.
- `moto.moto_server.werkzeug_app.DomainDispatcherApplication` and `create_backend_app`: moto's
  server application, which the fidelity layer wraps (`server_app`); `MotoRequestHandler`: the
  WSGI request handler moto's own server runs with (`request_handler`).
- `werkzeug.routing.rules.Rule._compile_builder`: werkzeug, which moto's server routes with, compiles for
  each URL rule (a Flask app and a router of hundreds per service) two functions that build URLs from it,
  which moto never does: `install_patches` defers them to their first use (half of a service's first call).
- `moto.apigateway.models`, which imports openapi_spec_validator (through pydantic-settings and
  jsonschema: a fifth of a sandbox start) for its `validate` and `OpenAPIValidationError`, only to
  check ImportRestApi and PutRestApi documents sent with failOnWarnings: `install_patches` gives
  it stand-ins that import the real validator when first used.
- `moto.core.parse.QueryParser` and `moto.core.serialize.QuerySerializer`: CloudWatch's query
  protocol (form in, XML out), for the metric calls the sandbox answers itself (`parse_query`,
  `serialize_query`); `moto.core.utils.get_service_model`: the operation models they need
  (`service_model`).
- `moto.core.eventstream.EventStreamEncoder` (its `encode_message`): the frames of StartLiveTail's
  event stream (`event_stream_encoder`).
- `moto.logs.models.LogEvent` and `LogStream`: the Logs models the traffic generator makes in
  bulk; it stops moto tracking each instance for its dashboard (`log_models`).
- `moto.__version__`: part of the digest that names an estate snapshot (`version`).
- `moto.moto_api._internal.mock_random`: the generator moto draws resource ids from; seeding it
  (`seed_ids`) makes the ids of what is created next the same on every run (the screen snapshots).
"""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

# Every moto name the seam uses, by dotted path (module, then attributes): tests/sandbox/test_moto_seam.py
# imports each, so a moto release that moves one fails there, by name.
MOTO_SYMBOLS = (
    "moto.__version__",
    "moto.iam.models.get_account_id_from",
    "moto.backends.get_backend",
    "moto.backends.list_of_moto_modules",
    "moto.moto_server.werkzeug_app.DomainDispatcherApplication",
    "moto.moto_server.werkzeug_app.MotoRequestHandler",
    "moto.moto_server.werkzeug_app.create_backend_app",
    "moto.apigateway.models.validate",
    "moto.apigateway.models.OpenAPIValidationError",
    "moto.core.parse.QueryParser",
    "moto.core.serialize.QuerySerializer",
    "moto.core.utils.get_service_model",
    "moto.core.eventstream.EventStreamEncoder",
    "moto.core.eventstream.EventStreamEncoder.encode_message",
    "moto.logs.models.LogEvent",
    "moto.logs.models.LogStream",
    "moto.moto_api._internal.mock_random.seed",
    "moto.core.base_backend.BackendDict._instances",
    "moto.core.base_backend.backend_lock",
    "werkzeug.routing.rules.Rule._compile_builder",  # moto's server's router, not moto: see _defer_url_builders
)

_patches_lock = threading.Lock()
_patched = False


def install_patches() -> None:
    """Make moto cheaper to start and to route through; once per process, before moto serves."""
    global _patched
    with _patches_lock:
        if not _patched:
            _list_moto_modules_once()
            _defer_openapi_validator()
            _defer_url_builders()
            _patched = True


def _list_moto_modules_once() -> None:
    """moto's dispatcher lists (and stats) its package directory on every request to route it; the
    list never changes while we run, so it is read once. A quarter of the per-request cost here."""
    from moto import backends as moto_backends

    modules = tuple(moto_backends.list_of_moto_modules())
    moto_backends.list_of_moto_modules = lambda: modules


def _defer_url_builders() -> None:
    """werkzeug compiles two URL builders (generated Python, through `ast`) for every rule it binds: for
    moto, a Flask app's and a router's rules per service, hundreds on a service's first call, which cost
    more than the call itself. moto only matches URLs, never builds one, so a builder is compiled when
    first used, in place of the rule's stand-in."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder

    def deferred(self: Any, append_unknown: bool = True) -> Any:
        def build(rule: Any, **values: Any) -> Any:
            real = compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, "_build_unknown" if append_unknown else "_build", real)
            return real(**values)

        return build

    Rule._compile_builder = deferred


def _defer_openapi_validator() -> None:
    """moto's API Gateway models import openapi_spec_validator (through pydantic-settings and
    jsonschema: a fifth of a sandbox start) only to check ImportRestApi and PutRestApi documents
    sent with failOnWarnings. They get stand-ins that import the real validator when first used."""
    if "openapi_spec_validator" in sys.modules:
        return

    class OpenAPIValidationError(Exception):
        """What moto catches (and reads `message` of): the real validator's error, raised again as this."""

        def __init__(self, message: str):
            super().__init__(message)
            self.message = message

    def validate(spec, *args, **kwargs):
        for name in [name for name, module in sys.modules.items() if getattr(module, "_stand_in", False)]:
            del sys.modules[name]
        real = importlib.import_module("openapi_spec_validator")
        errors = importlib.import_module("openapi_spec_validator.validation.exceptions")
        try:
            return real.validate(spec, *args, **kwargs)
        except errors.OpenAPIValidationError as exc:
            raise OpenAPIValidationError(getattr(exc, "message", str(exc))) from exc

    for name, names in (("openapi_spec_validator", {"validate": validate}), ("openapi_spec_validator.validation", {}),
                        ("openapi_spec_validator.validation.exceptions",
                         {"OpenAPIValidationError": OpenAPIValidationError})):
        module = sys.modules[name] = types.ModuleType(name)
        module.__dict__.update(names, _stand_in=True)


def version() -> str:
    """The installed moto's version."""
    import moto

    return moto.__version__


def backend(service: str, account: str, region: str) -> Any:
    """moto's backend of `service` for `account` in `region` (made on first use)."""
    from moto.backends import get_backend

    return get_backend(service)[account][region]


def account_of(access_key_id: str) -> str:
    """The account whose keys these are (STS AssumeRole keys belong to the role's account); else moto's default."""
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key_id)


def account_backends(service: str, account: str, regions: tuple[str, ...]) -> Any:
    """A copy of `account`'s backends of `service` holding only `regions`' (moto's per-account mapping,
    which also knows the service's regions), to be put back whole by `set_account_backends`."""
    import copy

    from moto.backends import get_backend

    kept = copy.copy(get_backend(service)[account])
    for region in [r for r in kept if r not in regions]:
        del kept[region]
    return kept


def set_account_backends(service: str, account: str, value: Any) -> None:
    """Put `value` (as `account_backends` copied it) in place of `account`'s backends of `service`, which
    moto has not made yet: making them lists the service's regions from botocore's endpoint data, a
    tenth of a start. Registered as moto registers its own, so moto's reset clears them."""
    from moto.core.base_backend import BackendDict, backend_lock
    from moto.backends import get_backend

    backends = get_backend(service)
    with backend_lock:
        dict.__setitem__(backends, account, value)
        if backends not in BackendDict._instances:
            BackendDict._instances.append(backends)


def has_account_backends(service: str, account: str) -> bool:
    """Whether moto has made `account`'s backends of `service` (by using any of them)."""
    from moto.backends import get_backend

    return account in dict.keys(get_backend(service))


def set_backend(service: str, account: str, region: str, value: Any) -> None:
    """Put `value` (a backend, as `backend` returned one) in place of moto's own."""
    from moto.backends import get_backend

    get_backend(service)[account][region] = value


def server_app() -> Any:
    """moto's server application: every service, dispatched by the request's host and signature."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def request_handler() -> type:
    """The WSGI request handler class moto's own server runs with."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    return MotoRequestHandler


def service_model(service: str) -> Any:
    """moto's model of `service` (its `operation_model(name)` is what the query wire takes)."""
    from moto.core.utils import get_service_model

    return get_service_model(service)


def parse_query(operation_model: Any, values: Any) -> dict[str, Any]:
    """An operation's parameters from a query-protocol form (`values`: a werkzeug MultiDict)."""
    from moto.core.parse import QueryParser

    return QueryParser(operation_model).parse(
        {"values": values, "body": b"", "headers": {}, "method": "POST", "url_path": "/", "url_params": {}})


def serialize_query(operation_model: Any, result: dict[str, Any] | None) -> bytes:
    """An operation's result as the query protocol's XML body."""
    from moto.core.serialize import QuerySerializer

    body = QuerySerializer(operation_model).serialize(result)["body"]
    return body.encode() if isinstance(body, str) else body


def event_stream_encoder() -> Any:
    """An encoder of `application/vnd.amazon.eventstream` frames: `encode_message(headers, payload)`."""
    from moto.core.eventstream import EventStreamEncoder

    return EventStreamEncoder()


def log_models() -> tuple[type, type]:
    """moto's LogEvent and LogStream classes: the Logs models made in bulk by the traffic generator."""
    from moto.logs.models import LogEvent, LogStream

    return LogEvent, LogStream


def seed_ids(seed: int) -> None:
    """Draw the ids of what is created next from a generator seeded with `seed` (the same ids every run)."""
    from moto.moto_api._internal import mock_random

    mock_random.seed(seed)
