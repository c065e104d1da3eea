"""Throttles as plans: the stage default, and per-method (REST) or per-route (HTTP, WebSocket) overrides.

REST patches `/*/*/throttling/...` or `/~1path/VERB/throttling/...` and removes an override with
`remove /~1path/VERB`; v2 sends the whole (merged) DefaultRouteSettings or one RouteSettings entry
and removes one with DeleteRouteSettings. Values may be absolute or relative (x1.5, +20%, -50%).
"""

from __future__ import annotations

from typing import Any

from actions import validate
from actions.plan import Call, Change, Invalid, Path, Plan
from actions.stage_doc import REST_ATTRIBUTES, StageDoc, patch_value, read_field, restore_operations
from console.model import Throttle
from console.read.normalise import REST_DEFAULT_KEY

RATE, BURST = "rate", "burst"


def set_throttle(doc: StageDoc, *, selector: str | None, rate: str | None, burst: str | None,
                 account: Throttle | None = None) -> Plan:
    """Set the stage default (no selector) or one method's/route's throttle."""
    if rate is None and burst is None:
        raise Invalid("throttle", "give a rate, a burst, or both")
    scope = _Scope(doc, selector)
    old_rate, old_burst = scope.current()
    base_rate, base_burst = scope.effective()
    new_rate, rate_rounded = validate.rate(rate, base_rate) if rate is not None else (old_rate, None)
    rounded = None
    new_burst = old_burst
    if burst is not None:
        new_burst, rounded = validate.burst(burst, base_burst)
    changes = []
    if rate is not None and new_rate != old_rate:
        changes.append(Change(f"{scope.label} rate (requests/s)", old_rate, new_rate))
    if burst is not None and new_burst != old_burst:
        changes.append(Change(f"{scope.label} burst", old_burst, new_burst))
    if not changes:
        raise Invalid("throttle", f"{scope.label} is already {_describe(old_rate, old_burst)}; nothing to change")
    changed_rate = new_rate if any(c.label.endswith("rate (requests/s)") for c in changes) else None
    changed_burst = new_burst if any(c.label.endswith("burst") for c in changes) else None
    warnings = [w for w in (rate_rounded, rounded,
                            *_warnings(new_rate, new_burst, changed_rate, changed_burst, account)) if w]
    return scope.plan(rate=new_rate if rate is not None else None, burst=new_burst if burst is not None else None,
                      changes=tuple(changes), warnings=tuple(warnings),
                      summary=f"Set {scope.label} " + " and ".join(
                          f"{word} to {c.after:g}{unit}" for word, unit, c in
                          (("rate", " requests/s", _find(changes, "rate")), ("burst", "", _find(changes, "burst")))
                          if c is not None))


def unset_throttle(doc: StageDoc, *, selector: str) -> Plan:
    """Remove a method's (REST) or route's (v2) override entirely."""
    kind = "method" if doc.rest else "route"
    if selector is None:
        raise Invalid(kind, "names the override to remove; the stage default stays")
    scope = _Scope(doc, validate.selector(kind, selector))
    if scope.settings() is None:
        raise Invalid(scope.kind, f"{selector} has no override on stage {doc.target.stage}", selector)
    return scope.removal()


def _find(changes: list[Change], word: str) -> Change | None:
    return next((c for c in changes if c.label.endswith(word) or f" {word} " in c.label), None)


def _describe(rate: float | None, burst: int | None) -> str:
    return f"{'—' if rate is None else f'{rate:g}'} requests/s, burst {'—' if burst is None else burst}"


def _warnings(rate: float | None, burst: int | None, changed_rate: float | None, changed_burst: int | None,
              account: Throttle | None) -> list[str]:
    """What deserves a second look; limits are checked for the values this plan changes."""
    found = []
    if rate is not None and burst is not None and burst < rate and (changed_rate or changed_burst) is not None:
        found.append(f"burst {burst} is below the rate {rate:g}: a client at the steady rate will see 429s "
                     "as soon as requests bunch up")
    if account and account.rate is not None and changed_rate is not None and changed_rate > account.rate:
        found.append(f"rate {changed_rate:g} is above the account limit ({account.rate:g}/s), which caps it")
    if account and account.burst is not None and changed_burst is not None and changed_burst > account.burst:
        found.append(f"burst {changed_burst} is above the account limit ({account.burst}), which caps it")
    return found


class _Scope:
    """Where a throttle lives in the stage document, and how to write it back."""

    def __init__(self, doc: StageDoc, selector: str | None):
        self.doc = doc
        self.kind = "method" if doc.rest else "route"
        selector = validate.selector(self.kind, selector, otherwise="the stage default")
        self.default = selector is None
        if doc.rest:
            self.key = REST_DEFAULT_KEY if self.default else doc.method(selector)
            self.path: Path = ("methodSettings", self.key)
            self.names = ("throttlingRateLimit", "throttlingBurstLimit")
        else:
            self.key = None if self.default else doc.route(selector)
            self.path = ("DefaultRouteSettings",) if self.default else ("RouteSettings", self.key)
            self.names = ("ThrottlingRateLimit", "ThrottlingBurstLimit")
        self.label = "stage default" if self.default else f"{self.kind} {selector.strip()}"

    def settings(self) -> dict[str, Any] | None:
        return read_field(self.doc.raw, self.path)

    def current(self) -> tuple[float | None, int | None]:
        settings = self.settings() or {}
        return settings.get(self.names[0]), settings.get(self.names[1])

    def effective(self) -> tuple[float | None, int | None]:
        """What relative values start from: the override, else the stage default it inherits."""
        rate, burst = self.current()
        if self.default or (rate is not None and burst is not None):
            return rate, burst
        default = _Scope(self.doc, None).current()
        return (rate if rate is not None else default[0]), (burst if burst is not None else default[1])

    def _call(self, operation: str, **params: Any) -> Call:
        target = self.doc.target
        if self.doc.rest:
            return Call("apigateway", operation, {"restApiId": target.api_id, "stageName": target.stage, **params})
        return Call("apigatewayv2", operation, {"ApiId": target.api_id, "StageName": target.stage, **params})

    def _v2_update(self, settings: dict[str, Any]) -> Call:
        if self.default:
            return self._call("UpdateStage", DefaultRouteSettings=settings)
        return self._call("UpdateStage", RouteSettings={self.key: settings})

    def _rest_restore(self, before: dict[str, Any] | None, *, present: bool) -> Call:
        """Put an override back exactly: remove it if `present`, then replace every attribute it had."""
        return self._call("UpdateStage", patchOperations=restore_operations(self.key, before, present=present))

    def plan(self, *, rate: float | None, burst: int | None, changes: tuple[Change, ...],
             warnings: tuple[str, ...], summary: str) -> Plan:
        before = self.settings()
        touched = {n: v for n, v in zip(self.names, (rate, burst), strict=True) if v is not None}
        kept: dict[str, Any] = {}  # fields the undo writes back though this plan leaves them as they are
        if self.doc.rest:
            call = self._call("UpdateStage", patchOperations=[
                {"op": "replace", "path": f"/{self.key}/{REST_ATTRIBUTES[n]}", "value": patch_value(v)}
                for n, v in touched.items()])
            old_values_known = before is not None and all(before.get(n) is not None for n in touched)
            if old_values_known:
                inverse = self._call("UpdateStage", patchOperations=[
                    {"op": "replace", "path": f"/{self.key}/{REST_ATTRIBUTES[n]}", "value": patch_value(before[n])}
                    for n in touched])
            elif before is None:
                inverse = self._call("UpdateStage", patchOperations=[{"op": "remove", "path": f"/{self.key}"}])
            else:  # an attribute was unset: the undo puts the override back whole, so its others must not move
                inverse = self._rest_restore(before, present=True)
                kept = {n: v for n, v in before.items() if n in REST_ATTRIBUTES and n not in touched and v is not None}
            watched = set(touched)
        else:
            call = self._v2_update({**(before or {}), **touched})
            if before is None:
                inverse = self._call("DeleteRouteSettings", RouteKey=self.key)
            else:  # settings are merged field by field: the undo sends back only the fields this plan writes
                known = {n: before[n] for n in touched if before.get(n) is not None}
                inverse = self._v2_update(known) if known else None
                unset = [RATE if n == self.names[0] else BURST for n in touched if n not in known]
                warnings += (f"{'Undo keeps' if known else 'No undo: it would keep'} the new {' and '.join(unset)}: "
                             f"the {self.label} had none before, and API Gateway has no way to remove one route "
                             "setting",) if unset else ()
            watched = set(touched) | set(before or {})  # the whole object is written back
        precondition = ((self.path, None),) if before is None else tuple(
            (self.path + (n,), (before or {}).get(n)) for n in sorted(watched))
        postcondition = tuple((self.path + (n,), v) for n, v in (*touched.items(), *sorted(kept.items())))
        return Plan(kind="throttle", summary=summary, target=self.doc.target, call=call, changes=changes,
                    precondition=precondition, postcondition=postcondition, inverse_call=inverse,
                    warnings=warnings, protected=self.doc.protected)

    def removal(self) -> Plan:
        before = self.settings() or {}
        if self.doc.rest:
            call = self._call("UpdateStage", patchOperations=[{"op": "remove", "path": f"/{self.key}"}])
            inverse = self._rest_restore(before, present=False)
        else:
            call = self._call("DeleteRouteSettings", RouteKey=self.key)
            inverse = self._v2_update(before)
        rate, burst = self.current()
        return Plan(
            kind="throttle",
            summary=f"Remove the {self.label} override",
            target=self.doc.target,
            call=call,
            changes=(Change(f"{self.label} override", _describe(rate, burst), None),),
            precondition=tuple((self.path + (n,), v) for n, v in sorted(before.items())),
            postcondition=((self.path, None),),
            inverse_call=inverse,
            protected=self.doc.protected,
        )
