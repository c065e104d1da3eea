"""Usage plans as plans: create, edit (throttle, quota, description), attach and detach API stages
and per-method throttles, delete, and extend one key's quota.

AWS allows one UpdateUsagePlan per 20 s per account, so every edit is one call carrying all its
patch operations, and a plan whose call must wait says so (`actions.pacing`). Throttles take
absolute or relative values, as stage throttles do. A deleted plan cannot be brought back with its
id and keys, and a granted quota extension moves with traffic, so neither has an undo.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Collection

from actions import pacing, validate
from actions.plan import ANSWER_ID, Call, Change, Invalid, Path, Plan, Target
from actions.resource_doc import ResourceDoc, stage_key
from actions.stage_doc import method_path, patch_value, read_field
from console.model import Api, ApiDetail, Protocol
from console.read.normalise import method_key

PERIODS = ("DAY", "WEEK", "MONTH")
MAX_OFFSET = {"DAY": 0, "WEEK": 6, "MONTH": 27}  # a quota period starts this many days into it
MAX_NAME = 1024


@dataclass(frozen=True)
class Quota:
    limit: int
    period: str
    offset: int | None = None  # None: keep the plan's (0 for a new quota, or where it does not fit the period)


NO_QUOTA = Quota(0, "")  # "remove the plan's quota"


def parse_quota(text: str) -> Quota:
    """ "LIMIT/PERIOD" or "LIMIT/PERIOD/OFFSET" ("5000/DAY", "100000/MONTH/1"), or "none"."""
    if text.strip().lower() == "none":
        return NO_QUOTA
    parts = text.strip().split("/")
    if len(parts) not in (2, 3):
        raise Invalid("quota", "reads LIMIT/PERIOD, e.g. 5000/DAY, or none", text)
    return quota(*parts)


def quota(limit: str, period: str, offset: str = "") -> Quota:
    period, offset = str(period).strip().upper(), str(offset).strip()
    requests = validate.whole("quota limit", limit, low=0, high=validate.MAX_INT,
                              rule=f"is a whole number of requests, 0 or more (at most {validate.MAX_INT})")
    if period not in PERIODS:
        raise Invalid("quota period", f"is one of {', '.join(PERIODS)}", period)
    days = validate.whole("quota offset", offset, low=0, high=MAX_OFFSET[period],
                          rule=f"is a whole number of days from 0 to {MAX_OFFSET[period]} for a {period} quota") \
        if offset else None
    return Quota(requests, period, days)


# -- create, edit, delete ---------------------------------------------------------------------------


def create(place: Target, *, name: str, taken: Collection[str], description: str = "", rate: str | None = None,
           burst: str | None = None, quota: Quota | None = None) -> Plan:
    """A new plan; `taken` are the names plans already have here (names identify plans on the CLI)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid("name", f"has 1 to {MAX_NAME} characters", name)
    if name in taken:
        raise Invalid("name", "is already a usage plan's name here; plans are named by id or name", name)
    if (rate is None) != (burst is None):
        raise Invalid("throttle", "a new plan's throttle needs both a rate and a burst")
    params: dict[str, Any] = {"name": name}
    changes = [Change("name", None, name)]
    if description:
        params["description"] = description
        changes.append(Change("description", None, description))
    warnings: list[str] = []
    if rate is not None:
        (new_rate, rate_rounded), (new_burst, rounded) = validate.rate(rate, None), validate.burst(burst, None)
        params["throttle"] = {"rateLimit": new_rate, "burstLimit": new_burst}
        changes += [Change("throttle rate (requests/s)", None, new_rate), Change("throttle burst", None, new_burst)]
        warnings += [w for w in (rate_rounded, rounded) if w]
    if quota and quota is not NO_QUOTA:
        params["quota"] = {k: v for k, v in vars(quota).items() if v is not None}
        changes.append(Change("quota", None, _quota_text(params["quota"])))
    target = replace(place, resource="usage-plan", resource_id=ANSWER_ID, resource_name=name)
    return Plan(kind="usage-plan", summary=f"Create usage plan {name}", target=target,
                call=Call("apigateway", "CreateUsagePlan", params), changes=tuple(changes), precondition=(),
                postcondition=((("name",), name),),
                inverse_call=Call("apigateway", "DeleteUsagePlan", {"usagePlanId": ANSWER_ID}),
                warnings=tuple(warnings))


def update(doc: ResourceDoc, *, rate: str | None = None, burst: str | None = None, quota: Quota | None = None,
           description: str | None = None) -> Plan:
    """Throttle, quota and description in one UpdateUsagePlan (AWS allows one call per 20 s)."""
    raw = doc.raw
    throttle, old_quota = raw.get("throttle") or {}, raw.get("quota") or {}
    edit = _Edit()
    warnings: list[str] = []
    limits: dict[str, Any] = {}
    if rate is not None:
        limits["rateLimit"], rate_rounded = validate.rate(rate, throttle.get("rateLimit"))
        warnings += [rate_rounded] if rate_rounded else []
    if burst is not None:
        limits["burstLimit"], rounded = validate.burst(burst, throttle.get("burstLimit"))
        warnings += [rounded] if rounded else []
    edit.section("throttle", throttle, limits, {"rateLimit": "throttle rate (requests/s)",
                                                 "burstLimit": "throttle burst"})
    if quota is NO_QUOTA:
        if old_quota:
            edit.remove_section("quota", old_quota, _quota_text(old_quota))
    elif quota is not None:
        offset = quota.offset
        if offset is None and (old_quota.get("offset") or 0) > MAX_OFFSET[quota.period]:
            offset = 0  # the old offset does not fit the new period
        wanted = {"limit": quota.limit, "period": quota.period, **({"offset": offset} if offset is not None else {})}
        edit.section("quota", old_quota, wanted, {"limit": "quota limit", "period": "quota period",
                                                   "offset": "quota offset (days)"})
    if description is not None and description != (raw.get("description") or ""):
        edit.replace(("description",), "description", raw.get("description"), description,
                     restore=raw.get("description") or "")
    if not edit.ops:
        raise Invalid("usage plan", f"{doc.name} already has those settings; nothing to change")
    new_rate, new_burst = _throttle_after(throttle, edit)
    if new_rate is not None and new_burst is not None and new_burst < new_rate:
        warnings.append(f"burst {new_burst} is below the rate {new_rate:g}: a key at the steady rate will see 429s "
                        "as soon as its requests bunch up")
    touched = dict.fromkeys(path[0] for path, _ in edit.post)
    return _plan(doc, edit, summary=f"Update usage plan {doc.name}: {', '.join(touched)}", warnings=warnings)


def _throttle_after(throttle: dict[str, Any], edit: "_Edit") -> tuple[float | None, int | None]:
    after = {path[-1]: value for path, value in edit.post if path[0] == "throttle"}
    return after.get("rateLimit", throttle.get("rateLimit")), after.get("burstLimit", throttle.get("burstLimit"))


def delete(doc: ResourceDoc, key_count: int) -> Plan:
    stages = list(doc.raw.get("apiStages") or {})
    if stages:
        raise Invalid("usage plan", f"{doc.name} still covers {len(stages)} API stage(s) ({', '.join(stages)}); "
                                    "detach them first (AWS refuses to delete a plan with API stages)")
    warnings = ["No undo: a usage plan created again gets a new id, and its keys must be associated again."]
    if key_count:
        warnings.append(f"{key_count} API key(s) lose this plan (the keys themselves stay).")
    return Plan(kind="usage-plan", summary=f"Delete usage plan {doc.name}", target=doc.target,
                call=Call("apigateway", "DeleteUsagePlan", {"usagePlanId": doc.id}),
                changes=(Change("usage plan", f"{doc.name} ({_quota_text(doc.raw.get('quota') or {}) or 'no quota'})",
                                None),),
                precondition=((("name",), doc.raw.get("name")),), postcondition=(), warnings=tuple(warnings))


# -- API stages and their method throttles ------------------------------------------------------------


def attach(doc: ResourceDoc, api: Api, stage: str, stages: Collection[str]) -> Plan:
    """Add an API stage; `stages` are the stages the API has."""
    if api.protocol is not Protocol.REST:
        raise Invalid("api", f"usage plans cover REST APIs only; {api.name} is a {api.protocol.value} API", api.name)
    if stage not in stages:
        raise Invalid("stage", f"must be a stage of {api.name} (it has: {', '.join(sorted(stages)) or 'none'})", stage)
    key = stage_key(api.id, stage)
    if key in (doc.raw.get("apiStages") or {}):
        raise Invalid("stage", f"{api.name}/{stage} is already in usage plan {doc.name}", stage)
    edit = _Edit()
    edit.op({"op": "add", "path": "/apiStages", "value": key}, {"op": "remove", "path": "/apiStages", "value": key})
    edit.changes.append(Change(f"API stage {api.name}/{stage}", None, "attached"))
    edit.pre.append((("apiStages", key), None))
    edit.post.append((("apiStages", key), {}))
    return _plan(doc, edit, summary=f"Attach {api.name}/{stage} to usage plan {doc.name}")


def detach(doc: ResourceDoc, api: Api, stage: str) -> Plan:
    """Remove an API stage; undo puts it back with its method throttles."""
    key = stage_key(api.id, stage)
    stages = doc.raw.get("apiStages") or {}
    if key not in stages:
        raise Invalid("stage", f"{api.name}/{stage} is not in usage plan {doc.name} (it covers: "
                               f"{', '.join(stages) or 'no API stage'})", stage)
    throttles = stages[key]
    restore = [{"op": "add", "path": "/apiStages", "value": key}]
    restore += [{"op": "replace", "path": _limit_path(key, _patch_method(method), name), "value": patch_value(value)}
                for method, limits in throttles.items() for name, value in limits.items() if value is not None]
    edit = _Edit()
    edit.ops.append({"op": "remove", "path": "/apiStages", "value": key})
    edit.inverse.extend(restore)
    edit.changes.append(Change(f"API stage {api.name}/{stage}", "attached" + (
        f" ({len(throttles)} method throttle(s))" if throttles else ""), None))
    edit.pre.append((("apiStages", key), throttles))
    edit.post.append((("apiStages", key), None))
    return _plan(doc, edit, summary=f"Detach {api.name}/{stage} from usage plan {doc.name}",
                 warnings=["Keys of this plan lose access to the stage's API-key-required methods."])


def set_method_throttle(doc: ResourceDoc, api: ApiDetail, stage: str, selector: str, *, rate: str | None,
                        burst: str | None) -> Plan:
    """One method's per-key throttle on an attached stage of `api`."""
    key, method, current = _method_throttle(doc, api, stage, selector)
    if rate is None and burst is None:
        raise Invalid("throttle", "give a rate, a burst, or both")
    wanted: dict[str, Any] = {}
    warnings: list[str] = []
    if rate is not None:
        wanted["rateLimit"], rate_rounded = validate.rate(rate, (current or {}).get("rateLimit"))
        warnings += [rate_rounded] if rate_rounded else []
    if burst is not None:
        wanted["burstLimit"], rounded = validate.burst(burst, (current or {}).get("burstLimit"))
        warnings += [rounded] if rounded else []
    wanted = {k: v for k, v in wanted.items() if (current or {}).get(k) != v}
    if not wanted:
        raise Invalid("throttle", f"{method} already has those limits; nothing to change")
    name = method_key(method)[0]
    edit = _Edit()
    labels = {"rateLimit": f"{name} rate (requests/s)", "burstLimit": f"{name} burst"}
    for field, value in wanted.items():
        edit.ops.append({"op": "replace", "path": _limit_path(key, method, field), "value": patch_value(value)})
        edit.changes.append(Change(labels[field], (current or {}).get(field), value))
        edit.post.append((("apiStages", key, name, field), value))
    if current is None:
        edit.inverse.append({"op": "remove", "path": _method_path(key, method)})
        edit.pre.append((("apiStages", key, name), None))
    else:
        restored = current if any(current.get(f) is None for f in wanted) else {f: current[f] for f in wanted}
        if restored is current:  # a limit this plan adds was unset: clear the method, then put back what it had
            edit.inverse.append({"op": "remove", "path": _method_path(key, method)})
            edit.post += [(("apiStages", key, name, f), v) for f, v in current.items() if f not in wanted]
        edit.inverse += [{"op": "replace", "path": _limit_path(key, method, f), "value": patch_value(v)}
                         for f, v in restored.items() if v is not None]
        edit.pre += [(("apiStages", key, name, f), current.get(f)) for f in sorted(wanted)]
    return _plan(doc, edit, summary=f"Usage plan {doc.name}: throttle {name} on {api.api.name}/{stage} per key",
                 warnings=warnings)


def unset_method_throttle(doc: ResourceDoc, api: ApiDetail, stage: str, selector: str) -> Plan:
    key, method, current = _method_throttle(doc, api, stage, selector)
    name = method_key(method)[0]
    if current is None:
        raise Invalid("method", f"{name} has no throttle in usage plan {doc.name} on {api.api.name}/{stage}",
                      selector)
    edit = _Edit()
    edit.ops.append({"op": "remove", "path": _method_path(key, method)})
    edit.inverse += [{"op": "replace", "path": _limit_path(key, method, f), "value": patch_value(v)}
                     for f, v in current.items() if v is not None]
    edit.changes.append(Change(f"{name} per-key throttle", _limits_text(current), None))
    edit.pre.append((("apiStages", key, name), current))
    edit.post.append((("apiStages", key, name), None))
    return _plan(doc, edit, summary=f"Usage plan {doc.name}: remove the throttle of {name} on {api.api.name}/{stage}")


# -- quota extension ------------------------------------------------------------------------------------


def extend_quota(doc: ResourceDoc, *, key_id: str, key_name: str, plan_keys: Collection[str],
                 remaining: int | None, new_remaining: str) -> Plan:
    """Grant a key more of its current quota period (UpdateUsage): `new_remaining` requests left."""
    old_quota = doc.raw.get("quota") or {}
    if "limit" not in old_quota:
        raise Invalid("usage plan", f"{doc.name} has no quota to extend")
    if key_id not in plan_keys:
        raise Invalid("key", f"{key_name} is not a key of usage plan {doc.name}", key_name)
    left = validate.whole("remaining", new_remaining, low=0, high=validate.MAX_INT,
                          rule=f"is a whole number of requests, 0 or more (at most {validate.MAX_INT})")
    text = str(left)
    period = {"DAY": "today", "WEEK": "this week", "MONTH": "this month"}[old_quota["period"]]
    warnings = ["No undo: the extension lasts until the current quota period ends, and what is left moves with "
                "the key's traffic, so it cannot be taken back exactly."]
    if remaining is not None and int(text) < remaining:
        warnings.append(f"{text} is less than the {remaining} the key has left: this lowers its quota.")
    return Plan(kind="usage", summary=f"Let {key_name} make up to {int(text):,} requests {period}",
                target=doc.target,
                call=Call("apigateway", "UpdateUsage", {"usagePlanId": doc.id, "keyId": key_id, "patchOperations": [
                    {"op": "replace", "path": "/remaining", "value": text}]}),
                changes=(Change(f"{key_name}: requests left {period}", remaining, int(text)),),
                precondition=tuple((("quota", f), old_quota.get(f)) for f in ("limit", "period")),
                postcondition=(), warnings=tuple(warnings))


# -- helpers -----------------------------------------------------------------------------------------


class _Edit:
    """An UpdateUsagePlan being assembled: its operations, their inverse, the diff and conditions."""

    def __init__(self) -> None:
        self.ops: list[dict[str, str]] = []
        self.inverse: list[dict[str, str]] = []
        self.changes: list[Change] = []
        self.pre: list[tuple[Path, Any]] = []
        self.post: list[tuple[Path, Any]] = []

    def op(self, forward: dict[str, str], back: dict[str, str]) -> None:
        self.ops.append(forward)
        self.inverse.append(back)

    def replace(self, path: Path, label: str, before: Any, after: Any, *, restore: Any) -> None:
        """Set one field from `before` to `after`; the inverse sets `restore` (`before` as a patch writes it)."""
        pointer = "/" + "/".join(path)
        self.op({"op": "replace", "path": pointer, "value": patch_value(after)},
                {"op": "replace", "path": pointer, "value": patch_value(restore)})
        self.changes.append(Change(label, before, after))
        self.pre.append((path, before))
        self.post.append((path, after))

    def section(self, name: str, before: dict[str, Any], wanted: dict[str, Any], labels: dict[str, str]) -> None:
        """Set fields of `throttle` or `quota`; the inverse puts the section back exactly as it was."""
        touched = {k: v for k, v in wanted.items() if before.get(k) != v}
        if not touched:
            return
        for field, value in touched.items():
            self.ops.append({"op": "replace", "path": f"/{name}/{field}", "value": patch_value(value)})
            self.changes.append(Change(labels[field], before.get(field), value))
            self.pre.append(((name, field), before.get(field)))
            self.post.append(((name, field), value))
        if not before:
            self.inverse.append({"op": "remove", "path": f"/{name}"})
        elif all(before.get(k) is not None for k in touched):
            self.inverse += [{"op": "replace", "path": f"/{name}/{k}", "value": patch_value(before[k])}
                             for k in touched]
        else:  # a field was unset: the undo puts the section back whole, so its other fields must not move
            self.inverse += [{"op": "remove", "path": f"/{name}"}] + [
                {"op": "replace", "path": f"/{name}/{k}", "value": patch_value(v)} for k, v in before.items()]
            self.post += [((name, k), v) for k, v in before.items() if k not in touched]

    def remove_section(self, name: str, before: dict[str, Any], shown: str) -> None:
        self.ops.append({"op": "remove", "path": f"/{name}"})
        self.inverse += [{"op": "replace", "path": f"/{name}/{k}", "value": patch_value(v)} for k, v in before.items()]
        self.changes.append(Change(name, shown, None))
        self.pre += [((name, k), v) for k, v in before.items()]
        self.post += [((name, k), None) for k in before]


def _plan(doc: ResourceDoc, edit: _Edit, *, summary: str, warnings: list[str] | None = None) -> Plan:
    """One UpdateUsagePlan carrying every operation of the edit."""
    wait = pacing.warning("UpdateUsagePlan", doc.wait)
    return Plan(kind="usage-plan", summary=summary, target=doc.target,
                call=Call("apigateway", "UpdateUsagePlan", {"usagePlanId": doc.id, "patchOperations": edit.ops}),
                changes=tuple(edit.changes), precondition=tuple(edit.pre), postcondition=tuple(edit.post),
                inverse_call=Call("apigateway", "UpdateUsagePlan", {"usagePlanId": doc.id,
                                                                    "patchOperations": edit.inverse}),
                warnings=tuple([*(warnings or []), *([wait] if wait else [])]))


def _method_throttle(doc: ResourceDoc, api: ApiDetail, stage: str,
                     selector: str) -> tuple[str, str, dict[str, Any] | None]:
    """(API stage key, method as "~1path/VERB", its current per-key limits or None)."""
    key = stage_key(api.api.id, stage)
    stages = doc.raw.get("apiStages") or {}
    if key not in stages:
        raise Invalid("stage", f"{api.api.name}/{stage} is not in usage plan {doc.name}; attach it first", stage)
    method = method_path(api, validate.selector("method", selector))
    return key, method, read_field(stages, (key, method_key(method)[0]))


def _method_path(key: str, method: str) -> str:
    return f"/apiStages/{key}/throttle/{method}"


def _limit_path(key: str, method: str, field: str) -> str:
    return f"{_method_path(key, method)}/{field}"


def _patch_method(shown: str) -> str:
    """ "POST /orders" (as the read document keys it) as a patch path spells it: "~1orders/POST"."""
    verb, _, path = shown.partition(" ")
    return method_key(f"{path}/{verb}")[1]


def _quota_text(quota: dict[str, Any]) -> str:
    if "limit" not in quota:
        return ""
    offset = quota.get("offset") or 0
    return f"{quota['limit']:,}/{quota.get('period')}" + (f" +{offset}" if offset else "")


def _limits_text(limits: dict[str, Any]) -> str:
    rate, burst = limits.get("rateLimit"), limits.get("burstLimit")
    return f"{'—' if rate is None else f'{rate:g}'} requests/s, burst {'—' if burst is None else burst}"
