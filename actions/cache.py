"""The stage cache as plans: flush it or the authorizer cache, and change its settings.

A flush has no inverse — dropped answers cannot be put back — and its plan says so. Settings go
through UpdateStage like any stage change: the cache cluster (on or off, its size) and, for every
method (`*/*`) or one method, whether answers are cached and for how long (0–3600 s). Stage caches
are REST only; HTTP and WebSocket APIs have only the authorizers' (ResetAuthorizersCache).
"""

from __future__ import annotations

from typing import Any

from actions import validate
from actions.plan import Call, Change, Invalid, Path, Plan
from actions.stage_doc import REST_ATTRIBUTES, StageDoc, patch_value, read_field, restore_operations
from console.read.normalise import REST_DEFAULT_KEY

SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")  # GB, as AWS spells them
MAX_TTL = 3600
DEFAULT_TTL = 300  # what AWS caches for when a method's TTL was never set


def flush_stage_cache(doc: StageDoc) -> Plan:
    if not doc.rest:
        raise Invalid("stage", f"{doc.api.protocol.value} APIs have no stage cache; flush the authorizer cache")
    stage = doc.target.stage
    warnings = [f"No undo: every cached answer is dropped, and the backend answers every request until the "
                f"cache refills (TTLs up to {_longest_ttl(doc)} s)."]
    if not doc.raw.get("cacheClusterEnabled"):
        warnings.append("This stage has no cache cluster: the flush empties nothing.")
    return Plan(kind="cache-flush", summary=f"Flush the stage cache of {stage}", target=doc.target,
                call=Call("apigateway", "FlushStageCache", {"restApiId": doc.target.api_id, "stageName": stage}),
                changes=(Change("cached answers", _cluster(doc.raw), "flushed"),),
                precondition=(), postcondition=(), warnings=tuple(warnings), protected=doc.protected)


def flush_authorizers_cache(doc: StageDoc) -> Plan:
    target = doc.target
    if doc.rest:
        call = Call("apigateway", "FlushStageAuthorizersCache", {"restApiId": target.api_id, "stageName": target.stage})
    else:
        call = Call("apigatewayv2", "ResetAuthorizersCache", {"ApiId": target.api_id, "StageName": target.stage})
    return Plan(kind="cache-flush", summary=f"Flush the authorizer cache of {target.stage}", target=target, call=call,
                changes=(Change("cached authorizer results", "kept", "flushed"),), precondition=(), postcondition=(),
                warnings=("No undo: every authorizer is called afresh for each token until its results are cached "
                          "again.",), protected=doc.protected)


def set_cache(doc: StageDoc, *, cluster: bool | None = None, size: str | None = None, selector: str | None = None,
              caching: bool | None = None, ttl: str | None = None) -> Plan:
    """Change the cache cluster and/or one method's caching (every method, `*/*`, without a selector)."""
    if not doc.rest:
        raise Invalid("stage", f"{doc.api.protocol.value} APIs have no stage cache")
    size = _size(size) if size is not None else None
    seconds = _ttl(ttl) if ttl is not None else None
    selector = validate.selector("method", selector, otherwise="every method (*/*)")
    key = REST_DEFAULT_KEY if selector is None else doc.method(selector)
    scope = "every method" if selector is None else selector
    current = {"cacheClusterEnabled": bool(doc.raw.get("cacheClusterEnabled")),
               "cacheClusterSize": doc.raw.get("cacheClusterSize")}
    wanted = {"cacheClusterEnabled": cluster, "cacheClusterSize": size}
    stage_fields = {k: v for k, v in wanted.items() if v is not None and current[k] != v}
    before = read_field(doc.raw, ("methodSettings", key))
    wanted = {"cachingEnabled": caching, "cacheTtlInSeconds": seconds}
    method_fields = {k: v for k, v in wanted.items() if v is not None and (before or {}).get(k) != v}
    if not stage_fields and not method_fields:
        raise Invalid("cache", "is already set that way; nothing to change")
    labels = {"cacheClusterEnabled": "cache cluster", "cacheClusterSize": "cache size (GB)",
              "cachingEnabled": f"{scope}: caching", "cacheTtlInSeconds": f"{scope}: TTL (s)"}
    changes = [Change(labels[k], current[k], v) for k, v in stage_fields.items()]
    changes += [Change(labels[k], (before or {}).get(k), v) for k, v in method_fields.items()]
    ops = [_replace(k, v) for k, v in stage_fields.items()]
    ops += [{"op": "replace", "path": f"/{key}/{REST_ATTRIBUTES[k]}", "value": patch_value(v)}
            for k, v in method_fields.items()]
    inverse = [_replace(k, current[k]) for k in stage_fields if current[k] is not None]
    precondition: list[tuple[Path, Any]] = [((k,), doc.raw[k]) for k in stage_fields if doc.raw.get(k) is not None]
    if method_fields:
        inverse += _method_inverse(key, before, method_fields)
        precondition += [(("methodSettings", key), None)] if before is None else [
            (("methodSettings", key, k), before.get(k)) for k in sorted(method_fields)]
    postcondition = [((k,), v) for k, v in stage_fields.items()]
    postcondition += [(("methodSettings", key, k), v) for k, v in method_fields.items()]
    if before is not None and any(before.get(k) is None for k in method_fields):  # the undo puts it back whole
        postcondition += [(("methodSettings", key, k), v) for k, v in sorted(before.items())
                          if k in REST_ATTRIBUTES and k not in method_fields and v is not None]
    return Plan(kind="cache", summary=_summary(changes), target=doc.target, call=_update(doc, ops),
                changes=tuple(changes), precondition=tuple(precondition), postcondition=tuple(postcondition),
                inverse_call=_update(doc, inverse), warnings=tuple(_warnings(doc, stage_fields, method_fields)),
                protected=doc.protected)


def _ttl(text: str | int) -> int:
    return validate.whole("ttl", text, low=0, high=MAX_TTL, rule=f"is a whole number of seconds from 0 to {MAX_TTL}")


def _size(text: str) -> str:
    """One of the sizes AWS offers, as AWS spells it ("6.10" is "6.1")."""
    rule = f"is one of {', '.join(SIZES)} (GB)"
    if text in SIZES:
        return text
    value, _ = validate.number("size", text, low=0, high=float(SIZES[-1]), rule=rule)
    found = next((s for s in SIZES if float(s) == value), None)
    if found is None:
        raise Invalid("size", rule, text)
    return found


def _replace(field: str, value: Any) -> dict[str, str]:
    return {"op": "replace", "path": f"/{field}", "value": patch_value(value)}


def _method_inverse(key: str, before: dict[str, Any] | None, touched: dict[str, Any]) -> list[dict[str, str]]:
    """Back to `before`: remove an override this plan creates; else restore the touched attributes."""
    if before is None:
        return [{"op": "remove", "path": f"/{key}"}]
    if all(before.get(k) is not None for k in touched):
        return [{"op": "replace", "path": f"/{key}/{REST_ATTRIBUTES[k]}", "value": patch_value(before[k])}
                for k in touched]
    return restore_operations(key, before, present=True)


def _update(doc: StageDoc, ops: list[dict[str, str]]) -> Call:
    return Call("apigateway", "UpdateStage",
                {"restApiId": doc.target.api_id, "stageName": doc.target.stage, "patchOperations": ops})


def _summary(changes: list[Change]) -> str:
    def shown(value: Any) -> str:
        return ("on" if value else "off") if isinstance(value, bool) else str(value)

    return "Cache: " + "; ".join(f"{c.label} {shown(c.after)}" for c in changes)


def _warnings(doc: StageDoc, stage_fields: dict[str, Any], method_fields: dict[str, Any]) -> list[str]:
    found = []
    if stage_fields.get("cacheClusterEnabled") or "cacheClusterSize" in stage_fields:
        found.append("A cache cluster is billed by the hour while it exists; creating or resizing one takes "
                     "several minutes, and resizing empties it.")
    if stage_fields.get("cacheClusterEnabled") is False:
        found.append("Turning the cache cluster off drops every cached answer; the backend takes the full load.")
    if method_fields.get("cachingEnabled") and not doc.raw.get("cacheClusterEnabled") \
            and not stage_fields.get("cacheClusterEnabled"):
        found.append("The stage has no cache cluster: nothing is cached until one is enabled.")
    if "cacheClusterSize" in stage_fields and doc.raw.get("cacheClusterSize") is None:
        found.append("The size was never set; undo leaves the new size in place (AWS cannot unset it).")
    return found


def _cluster(raw: dict[str, Any]) -> str:
    if not raw.get("cacheClusterEnabled"):
        return "no cache cluster"
    return f"{raw.get('cacheClusterSize') or '?'} GB cluster, {raw.get('cacheClusterStatus') or 'status unknown'}"


def _longest_ttl(doc: StageDoc) -> int:
    settings = (doc.raw.get("methodSettings") or {}).values()
    return max((s.get("cacheTtlInSeconds", DEFAULT_TTL) for s in settings if s.get("cachingEnabled")),
               default=DEFAULT_TTL)
