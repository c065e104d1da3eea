"""A stage as AWS returns it, with where it lives: the document every stage plan is built from.

Plans read and compare the raw GetStage document rather than the read model, so preconditions hold
AWS's exact values. REST method-settings keys are matched by meaning ("~1orders/GET" and
"orders/GET" are the same method), since AWS's responses and patch paths spell them differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.plan import Invalid, Path, Target
from console.model import Api, ApiDetail, Protocol
from console.read.normalise import REST_DEFAULT_KEY, method_key

# REST methodSettings attribute -> its patch-path suffix (UpdateStage reference)
REST_ATTRIBUTES = {
    "throttlingRateLimit": "throttling/rateLimit",
    "throttlingBurstLimit": "throttling/burstLimit",
    "metricsEnabled": "metrics/enabled",
    "loggingLevel": "logging/loglevel",
    "dataTraceEnabled": "logging/dataTrace",
    "cachingEnabled": "caching/enabled",
    "cacheTtlInSeconds": "caching/ttlInSeconds",
    "cacheDataEncrypted": "caching/dataEncrypted",
    "requireAuthorizationForCacheControl": "caching/requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy": "caching/unauthorizedCacheControlHeaderStrategy",
}
HTTP_VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")


@dataclass(frozen=True)
class StageDoc:
    target: Target
    protected: bool
    api: Api
    raw: dict[str, Any]
    structure: ApiDetail

    @property
    def rest(self) -> bool:
        return self.api.protocol is Protocol.REST

    def method(self, selector: str) -> str:
        """A REST method "GET /orders/{id}" as its patch-path prefix "~1orders~1{id}/GET"; it must exist."""
        return method_path(self.structure, selector)

    def route(self, selector: str) -> str:
        """A v2 route key; it must be a route of the API."""
        key = selector.strip()
        keys = {r.key for r in self.structure.routes}
        if key not in keys:
            raise Invalid("route", f"must be a route of this API ({', '.join(sorted(keys)) or 'none'})", key)
        return key


def method_path(structure: ApiDetail, selector: str) -> str:
    """A REST method "GET /orders/{id}" of `structure` as a patch path spells it: "~1orders~1{id}/GET"."""
    verb, _, path = selector.strip().partition(" ")
    verb, path = verb.upper(), "/" + path.strip().strip("/")
    if verb not in HTTP_VERBS or not path:
        raise Invalid("method", "is a verb and a resource path, e.g. 'GET /orders/{orderId}'", selector)
    resource = next((r for r in structure.resources if r.path == path), None)
    if resource is None:
        raise Invalid("method", f"names a resource this API does not have ({len(structure.resources)} "
                                "resources; see the API view)", path)
    if verb not in resource.methods:
        have = ", ".join(resource.methods) or "none"
        raise Invalid("method", f"names a method {path} does not have (it has: {have})", verb)
    return f"{path.replace('/', '~1')}/{verb}"


def restore_operations(key: str, before: dict[str, Any] | None, *, present: bool) -> list[dict[str, str]]:
    """Patch operations that put a REST method override back exactly as `before`: remove it if it is
    `present` now, then replace every attribute it had."""
    ops = [{"op": "remove", "path": f"/{key}"}] if present else []
    return ops + [{"op": "replace", "path": f"/{key}/{REST_ATTRIBUTES[name]}", "value": patch_value(value)}
                  for name, value in (before or {}).items() if name in REST_ATTRIBUTES and value is not None]


def read_field(raw: dict[str, Any], path: Path) -> Any:
    """The value at `path` in a stage document; REST method keys match whichever spelling AWS used."""
    value: Any = raw
    for index, step in enumerate(path):
        if not isinstance(value, dict):
            return None
        if index == 1 and path[0] == "methodSettings" and step not in value:
            step = next((k for k in value if canonical_method(k) == canonical_method(step)), step)
        if step not in value:
            return None
        value = value[step]
    return value


def canonical_method(key: str) -> str:
    return key if key == REST_DEFAULT_KEY else method_key(key)[1]


def same(a: Any, b: Any) -> bool:
    """Equal as AWS means it: 100 and 100.0 are one rate, and an empty text is none (a description
    AWS cannot unset is put back as "")."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    if a in (None, "") and b in (None, ""):
        return True
    return a == b


def patch_value(value: Any) -> str:
    """Patch operations carry strings: true/false, and numbers without a needless ".0"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
