"""From a URL to what serves it: which host it names, which mapping of a custom domain, which resource or route.

Pure (no AWS): console.read.domains gives it the domain names, mappings and an API's structure. The rules
are API Gateway's, as its developer guide states them:
- a custom domain sends a request to the mapping whose base path (v1) or API mapping key (v2) is the longest
  whole-segment prefix of the path, the root mapping ("" here) last;
- REST: a literal path part wins over `{param}`, which wins over the greedy `{proxy+}` (one segment or more);
  the resource is chosen first, then its method, with ANY serving a verb no method names;
- HTTP: the same order of paths, a route naming the verb before ANY, and `$default` when no route matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence
from urllib.parse import unquote, urlsplit

from console.model import CustomDomain, DomainMapping, Resource, Route

SCHEMES = ("https", "http", "wss", "ws")
VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*$")
EXECUTE_API = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.(?P<region>[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2})"
                         r"\.amazonaws\.com(\.cn)?$")
EXECUTE_API_FORM = "{api-id}.execute-api.{region}.amazonaws.com"


class BadUrl(ValueError):
    """Not a URL the console can read; the message says what is wrong with it."""


@dataclass(frozen=True)
class Url:
    text: str
    host: str  # lower case, no port
    segments: tuple[str, ...]  # the path's parts, percent-decoded, empty ones dropped

    @property
    def path(self) -> str:
        return "/" + "/".join(self.segments)


def parse(text: str) -> Url:
    """A URL as typed or pasted; without a scheme it is read as https (hosts are what people paste)."""
    text = text.strip()
    if not text:
        raise BadUrl("Give a URL, e.g. https://api.shop.example.com/orders/123.")
    if any(c.isspace() for c in text):
        raise BadUrl(f"'{text}' is not a URL: it holds spaces.")
    if any(not c.isprintable() for c in text):
        raise BadUrl(f"'{text}' is not a URL: it holds control characters.")
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
    except ValueError as bad:  # an unclosed [ (IPv6), for one
        raise BadUrl(f"'{text}' is not a URL: {bad}.") from None
    if parts.scheme.lower() not in SCHEMES:
        raise BadUrl(f"'{text}' is not an API's URL: its scheme is {parts.scheme}, not {', '.join(SCHEMES)}.")
    try:
        parts.port  # noqa: B018 — reading it is what checks it
    except ValueError:
        raise BadUrl(f"'{text}' is not a URL: its port is not a number from 0 to 65535.") from None
    host = (parts.hostname or "").rstrip(".")
    if not host or not _HOST.match(host) or host.startswith("*"):
        raise BadUrl(f"'{text}' is not a URL: '{parts.netloc or text}' is not a host name.")
    return Url(text, host, tuple(unquote(p) for p in parts.path.split("/") if p))


def execute_api(host: str) -> tuple[str, str] | None:
    """(API id, region) of an execute-api host, else None."""
    found = EXECUTE_API.match(host)
    return (found["api"], found["region"]) if found else None


def domain_for(host: str, domains: Sequence[CustomDomain]) -> CustomDomain | None:
    """The custom domain serving `host`: its own name, else a wildcard name (*.example.com) it falls under."""
    exact = next((d for d in domains if d.name.lower() == host), None)
    if exact is not None:
        return exact
    wild = [d for d in domains if d.name.startswith("*.") and host.endswith(d.name[1:].lower())]
    return max(wild, key=lambda d: len(d.name), default=None)


def longest_mapping(mappings: Sequence[DomainMapping],
                    segments: tuple[str, ...]) -> tuple[DomainMapping, tuple[str, ...]] | None:
    """The mapping with the longest base path that prefixes `segments` (whole segments), and the rest of them."""
    best: tuple[int, DomainMapping] | None = None
    for mapping in mappings:
        key = tuple(p for p in mapping.path.split("/") if p)
        if segments[:len(key)] == key and (best is None or len(key) > best[0]):
            best = (len(key), mapping)
    return (best[1], segments[best[0]:]) if best else None


@dataclass(frozen=True)
class Matched:
    """What a path matched: the resource path (REST) or route path (HTTP; "$default" for the default route),
    the methods or route keys that serve the request, and the path parameters' values."""

    path: str
    keys: tuple[str, ...]  # "GET /orders/{orderId}"; empty: the path matched but not the verb
    offered: tuple[str, ...]  # every method or route key on that path
    params: Mapping[str, str] = field(default_factory=dict)


def _bind(template: str, segments: tuple[str, ...]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """How specifically `template` ("/orders/{orderId}") matches `segments` (higher is more specific:
    2 literal, 1 {param}, 0 {proxy+} per part), and its parameters; None when it does not match."""
    parts = [p for p in template.split("/") if p]
    score: list[int] = []
    params: dict[str, str] = {}
    for i, part in enumerate(parts):
        if i >= len(segments):
            return None
        if part.startswith("{") and part.endswith("+}"):
            params[part[1:-2]] = "/".join(segments[i:])
            return (*score, 0), params
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segments[i]
            score.append(1)
        elif part == segments[i]:
            score.append(2)
        else:
            return None
    return (tuple(score), params) if len(parts) == len(segments) else None


def match_resource(resources: Sequence[Resource], segments: tuple[str, ...], verb: str | None = None) -> Matched | None:
    """The REST resource serving `segments`, and its method for `verb` (all its methods without one)."""
    best = None
    for resource in resources:
        bound = _bind(resource.path, segments)
        if bound is not None and (best is None or bound[0] > best[0]):
            best = (bound[0], bound[1], resource)
    if best is None:
        return None
    _, params, resource = best
    offered = tuple(f"{m} {resource.path}" for m in resource.methods)
    if verb is None:
        chosen = offered
    else:
        method = verb if verb in resource.methods else "ANY" if "ANY" in resource.methods else None
        chosen = (f"{method} {resource.path}",) if method else ()
    return Matched(resource.path, chosen, offered, params)


def match_route(routes: Sequence[Route], segments: tuple[str, ...], verb: str | None = None) -> Matched | None:
    """The HTTP API route serving `segments` (and `verb`, when given); `$default` when no other does."""
    best = None
    for route in routes:
        method, _, path = route.key.partition(" ")
        if not path or (verb is not None and method not in (verb, "ANY")):
            continue
        bound = _bind(path, segments)
        if bound is not None:
            rank = (bound[0], method != "ANY")
            if best is None or rank > best[0]:
                best = (rank, bound[1], path)
    if best is not None:
        _, params, path = best
        offered = tuple(r.key for r in routes if r.key.partition(" ")[2] == path)
        chosen = tuple(k for k in offered if verb is None or k.split(" ")[0] in (verb, "ANY"))
        if verb is not None:
            chosen = tuple(k for k in chosen if k.startswith(f"{verb} ")) or chosen
        return Matched(path, chosen, offered, params)
    if any(r.key == "$default" for r in routes):
        return Matched("$default", ("$default",), ("$default",))
    return None
