"""Applying plans: re-read, check, write ahead, call, write down, re-read.

Nothing is sent unless writes are allowed, and nothing is sent if a touched field no longer holds
what the plan was made from: the operator then sees the new values instead. Every attempt that
reached the check is journaled, and a call is journaled before it is sent ("sending"), then
completed with what became of it: applied (with a created resource's id, as soon as AWS returns
it), failed, or unknown (sent, and no answer came back). A change AWS applied is reported as applied
even when reading it back fails afterwards, so that it can be undone.

An undo is a plan like any other, built from the journal: it writes back only the fields the change
wrote, and only while each still holds what the change left; a field someone changed since is named,
with its value now, and nothing is sent.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import HTTPClientError

from actions import fields, pacing
from actions.plan import ANSWER_ID, Change, Path, Plan, Target, managed_by
from actions.resource_doc import OPTIONAL_FIELDS, ResourceDoc, api_key_document, usage_plan_document
from actions.stage_doc import StageDoc, read_field, same
from console.aws.errors import Problem, explain
from console.aws.session import Target as Place
from console.config import Settings, config_path
from console.journal.store import APPLIED, FAILED, REFUSED, SAME_PLACE, SANDBOX, UNKNOWN, Journal, place_words, scope_of
from console.model import Api, Protocol
from console.read.gateway import Gateway


@dataclass(frozen=True)
class Permission:
    writable: bool
    why: str  # how this was decided, or how to allow writes


def write_permission(place: Place, settings: Settings, *, flag: bool = False) -> Permission:
    """Read-only unless --write, APIGW_CONSOLE_WRITE=1, the profile's config, or a local endpoint."""
    if place.placeholder_credentials:
        return Permission(True, "a local sandbox is writable")
    if flag:
        return Permission(True, "--write was given")
    if os.environ.get("APIGW_CONSOLE_WRITE") == "1":
        return Permission(True, "APIGW_CONSOLE_WRITE=1 is set")
    profile = place.profile or os.environ.get("AWS_PROFILE") or "default"
    if profile in settings.writable_profiles:
        return Permission(True, f"profile {profile} allows writes in {settings.source}")
    return Permission(False, f"Read-only: nothing was sent. To allow changes, start with --write, set "
                             f"APIGW_CONSOLE_WRITE=1, or add `[profiles.{profile}]` with `write = true` to "
                             f"{config_path()}.")


class Conflict(Problem):
    """The target changed since the plan was made; `changes` says how (planned before -> now). For an
    undo, `before` is the value the change left and `after` the value someone wrote since."""

    def __init__(self, changes: tuple[Change, ...], what: str = "stage", *, undo: bool = False):
        if undo:
            lines = ", ".join(f"{c.label} {_shown(c.before)} → {_shown(c.after)}" for c in changes)
            message = (f"Undo refused, nothing was sent: changed since: {lines}. An undo writes back only the "
                       f"fields the change wrote, and only while they still hold what it left; review the "
                       f"{what}'s values now and plan a new change instead.")
        else:
            lines = "; ".join(f"{c.label}: was {c.before!r} when planned, now {c.after!r}" for c in changes)
            message = (f"The {what} changed since this plan was made, so nothing was sent: {lines}. "
                       "Review the new values and plan again.")
        super().__init__(message, kind="conflict")
        self.changes = changes


@dataclass(frozen=True)
class Applied:
    plan: Plan  # as applied: a creation's new id filled in
    entry: dict[str, Any]
    document: dict[str, Any]  # the target as AWS reports it afterwards
    answer: dict[str, Any]  # AWS's answer; may hold a secret (a new key's value): show it, never store it
    note: str | None = None  # applied, but something the operator should know: "applied; could not read it back: …"


class Engine:
    def __init__(self, gateway: Gateway, journal: Journal, settings: Settings, permission: Permission):
        self.gateway = gateway
        self.journal = journal
        self.settings = settings
        self.permission = permission

    @property
    def connection(self):
        return self.gateway.connection

    # -- reading -----------------------------------------------------------------------------------

    def document(self, api: Api, stage: str) -> StageDoc:
        """The stage as AWS has it now (never cached), with the API's structure to validate against."""
        try:
            raw = self._raw(api.id, api.protocol.value, stage)
        except Exception as exc:
            raise explain(exc, profile=self.connection.target.profile) from None
        owner = managed_by({**api.tags, **(raw.get("tags") or raw.get("Tags") or {})})
        return StageDoc(target=replace(self._target(api, stage), managed_by=owner), protected=self.protected(stage),
                        api=api, raw=raw, structure=self.gateway.detail(api))

    def usage_plan(self, ref: str) -> ResourceDoc:
        """A usage plan (id or name) as AWS has it now, and how long an UpdateUsagePlan would wait."""
        plan = self.gateway.find_plan(ref)
        target = self.place(resource="usage-plan", resource_id=plan.id, resource_name=plan.name)
        return ResourceDoc(target, self._document(target), pacing.wait_for(self.journal, target, "UpdateUsagePlan"))

    def api_key(self, ref: str) -> ResourceDoc:
        """An API key (id or name) as AWS has it now, with the plans it belongs to; never its value."""
        key = self.gateway.find_key(ref)
        target = self.place(resource="api-key", resource_id=key.id, resource_name=key.name)
        return ResourceDoc(target, self._document(target))

    def _document(self, target: Target) -> dict[str, Any]:
        try:
            return self.read(target)
        except Exception as exc:
            raise explain(exc, profile=self.connection.target.profile) from None

    def protected(self, stage: str) -> bool:
        return any(fnmatch.fnmatchcase(stage, pattern) for pattern in self.settings.protected_stages)

    def _target(self, api: Api, stage: str) -> Target:
        return self.place(api_id=api.id, api_name=api.name, protocol=api.protocol.value, stage=stage)

    def _raw(self, api_id: str, protocol: str, stage: str) -> dict[str, Any]:
        if protocol == Protocol.REST.value:
            answer = self.connection.apigw.get_stage(restApiId=api_id, stageName=stage)
        else:
            answer = self.connection.apigwv2.get_stage(ApiId=api_id, StageName=stage)
        answer.pop("ResponseMetadata", None)
        return answer

    def read(self, target: Target) -> dict[str, Any]:
        """The document a plan's conditions are about, as AWS has it now ({} where there is none)."""
        if target.resource == "stage":
            return self._raw(target.api_id, target.protocol, target.stage)
        if not target.resource_id or ANSWER_ID in target.resource_id:  # a creation: there is nothing yet
            return {}
        if target.resource == "usage-plan":
            return usage_plan_document(self.connection.apigw, target.resource_id)
        if target.resource == "api-key":
            return api_key_document(self.connection.apigw, target.resource_id)
        return {}

    def place(self, **fields: Any) -> Target:
        """A Target here (account, region, profile, endpoint) for anything that is not a stage."""
        identity = self.connection.identity or self.connection.identify()
        return Target(account=identity.account, region=self.connection.region, profile=self.connection.profile,
                      endpoint=self.connection.target.endpoint_url, **fields)

    def scope(self) -> dict[str, str | None]:
        """Where this engine's changes are made, as the journal records it: account, partition (from the
        caller's ARN), region, endpoint ("sandbox", a configured endpoint, or None for AWS's own), profile."""
        identity = self.connection.identity or self.connection.identify()
        endpoint = SANDBOX if self.connection.target.sandbox else self.connection.endpoint("apigateway")
        return {"account": identity.account, "partition": identity.arn.split(":")[1] if identity.arn else None,
                "region": self.connection.region, "endpoint": endpoint, "profile": self.connection.profile}

    # -- applying ----------------------------------------------------------------------------------

    def apply(self, plan: Plan, *, context: dict[str, Any] | None = None) -> Applied:
        """`context`: what the change is part of, journaled with it (a runbook's name, run and step)."""
        if not self.permission.writable:
            raise Problem(self.permission.why, kind="read-only")
        if plan.needs_override and not plan.override_given:
            raise Problem("A safety gate failed for this plan and no override was given, so nothing was sent: "
                          + "; ".join(plan.warnings), kind="bad-request")
        pacing.hold(self.journal, plan.target, plan.call.operation)  # before the read: it may wait a while
        try:
            before = self.read(plan.target)
        except Exception as exc:
            raise explain(exc, profile=plan.target.profile) from None
        drift = _drift(plan, before)
        if drift:
            self.journal.append(self._entry(plan, REFUSED, reason="changed since planned",
                                            drift=[vars(c) for c in drift], **(context or {})))
            raise Conflict(drift, _what(plan.target), undo=plan.undoes is not None)
        client = self.connection.client(plan.call.service)
        entry = self.journal.begin(self._entry(plan, **(context or {})))  # on disk before the call leaves
        try:
            answer = getattr(client, plan.call.method)(**plan.call.params)
        except Exception as exc:
            problem = explain(exc, profile=plan.target.profile)
            if isinstance(exc, HTTPClientError):  # the request went out and no answer came back
                self.journal.complete(entry, UNKNOWN, reason=f"sent, no answer: {problem}")
                raise Problem(f"The request was sent but no answer came back ({problem.message}), so whether AWS "
                              f"applied it is unknown; refresh to see what it holds now (journal entry "
                              f"{entry['id']}).", kind=problem.kind) from None
            self.journal.complete(entry, FAILED, reason=str(problem))
            raise problem from None
        request_id = (answer.get("ResponseMetadata") or {}).get("RequestId")
        creation = ANSWER_ID in plan.target.resource_id  # a new resource: nothing of it was there before
        resolved = plan.resolved(answer)
        answered = {"plan": resolved.to_json()} if resolved != plan else {}  # with the id AWS gave what it made
        if creation:
            answered.update(created=resolved.target.resource_id, target=resolved.target.label)
        entry = self.journal.complete(entry, APPLIED, request_id=request_id, **answered)  # a new id, kept at once
        plan = resolved
        self._forget(plan.target)
        answer.pop("ResponseMetadata", None)
        after, note = {}, None
        if plan.postcondition:
            try:
                after = self.read(plan.target)
            except Exception as exc:
                note = f"applied; could not read it back: {explain(exc, profile=plan.target.profile)}"
                entry = self.journal.complete(entry, note=note)
            else:
                surprises = [f"{fields.name(path)}: AWS reports {read_field(after, path)!r}, planned {value!r}"
                             for path, value in plan.postcondition if not same(read_field(after, path), value)]
                left = plan if surprises else _with_what_it_left(plan, before, after, creation=creation)
                if surprises or left != plan:
                    entry = self.journal.complete(entry, surprises=surprises,
                                                  plan=left.to_json() if left != plan else None)
                    plan = left
        return Applied(plan=plan, entry=entry, document=after, answer=answer, note=note)

    def _forget(self, target: Target) -> None:
        """Drop the cached reads the change made stale, so every screen shows the new state."""
        if target.resource == "stage":
            self.gateway.forget("stage", target.api_id, target.stage)
            self.gateway.forget("stages", target.api_id)
        else:
            self.gateway.forget("plans")
            self.gateway.forget("keys")

    def _entry(self, plan: Plan, outcome: str | None = None, **details: Any) -> dict[str, Any]:
        """A journal entry for `plan`: who, where, what, the plan with its inverse (and an outcome)."""
        scope = self.scope()  # identifies the connection if nothing has yet
        identity = self.connection.identity
        return {
            **({"outcome": outcome} if outcome else {}),
            "caller": identity.arn if identity else None,
            **scope,
            "target": plan.target.label,
            "call": f"{plan.call.service} {plan.call.operation}",
            "summary": plan.summary,
            "changes": [vars(c) for c in plan.changes],
            "plan": plan.to_json(),
            "undoes": plan.undoes,
            **{k: v for k, v in details.items() if v not in (None, [], "")},
        }

    # -- undoing -----------------------------------------------------------------------------------

    def undo_plan(self, entry_id: str | None = None) -> Plan:
        """The inverse of a journaled change (the newest undoable one by default), ready to confirm."""
        entry = self.journal.find(entry_id) if entry_id else self.journal.last_undoable()
        if entry is None:
            raise Problem(f"No journal entry {entry_id!r}." if entry_id else "Nothing to undo: the journal holds "
                          "no applied change that has not been undone.", kind="not-found")
        if entry.get("outcome") != APPLIED:
            raise Problem(f"Entry {entry['id']} was {entry.get('outcome')}, not applied; there is nothing to undo.",
                          kind="bad-request")
        inverse = Plan.from_json(entry["plan"]).inverse
        if inverse is None:
            raise Problem(f"Entry {entry['id']} ({entry['summary']}) cannot be undone.", kind="bad-request")
        made, here = scope_of(entry), self.scope()
        if any(made[k] != here[k] for k in SAME_PLACE if k != "partition" or made[k]):
            raise Problem(f"Undo refused, nothing was sent: entry {entry['id']} was made in {place_words(made)}, "
                          f"and this connection is {place_words(here)}. Connect there (--profile, --region, "
                          f"--endpoint-url or --sandbox) to undo it.", kind="bad-request")
        try:
            now = self.read(inverse.target)
        except Exception as exc:
            raise explain(exc, profile=inverse.target.profile) from None
        drift = _drift(inverse, now)
        if drift:  # a field the change wrote was changed since: writing it back would undo someone else's
            raise Conflict(drift, _what(inverse.target), undo=True)
        return replace(inverse, undoes=entry["id"])


def _drift(plan: Plan, document: dict[str, Any]) -> tuple[Change, ...]:
    """The plan's preconditions `document` no longer meets: (field, expected, now). An object is named
    only when none of its fields that are conditions themselves says what moved."""
    moved = [path for path, expected in plan.precondition if not same(read_field(document, path), expected)]
    named = [path for path in moved if not any(len(other) > len(path) and other[:len(path)] == path
                                               for other in moved)]
    expected = dict(plan.precondition)
    return tuple(Change(fields.name(path), expected[path], read_field(document, path)) for path in named)


def _what(target: Target) -> str:
    return "stage" if target.resource == "stage" else target.label


def _shown(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _with_what_it_left(plan: Plan, before: dict[str, Any], after: dict[str, Any], *, creation: bool) -> Plan:
    """The plan with what it created as AWS left it. A plan that creates an object — a resource, a
    method's or route's override, a canary, a usage plan's throttle or quota — writes some of its
    fields, and AWS fills in the others; its undo removes the whole object. The object as read back
    (and each of its fields, so that a refusal can name one) joins the postcondition, so that the
    undo is refused if anything in it changed since, a field added included."""
    written = {path for path, _ in plan.postcondition}
    created: set[Path] = set()
    for path in written:
        for depth in range(0 if creation else 1, len(path)):
            ancestor = path[:depth]
            if not ancestor or (read_field(before, ancestor) is None
                                and isinstance(read_field(after, ancestor), dict)):
                created.add(ancestor)  # the outermost object this plan brought into being
                break
    left: list[tuple[Path, Any]] = []
    for ancestor in sorted(created, key=len):
        if ancestor:
            found = read_field(after, ancestor)
            left.append((ancestor, found))
        else:  # the resource itself: its fields one by one (its clock moves), and those it has not got
            found = {k: v for k, v in after.items() if k not in _NOT_FIELDS}
            left += [((name,), None) for name in OPTIONAL_FIELDS.get(plan.target.resource, ()) if name not in found]
        left += [(ancestor + (key,), value) for key, value in sorted(found.items()) if ancestor + (key,) not in written]
    left = [(path, value) for path, value in left if path not in written]
    return replace(plan, postcondition=plan.postcondition + tuple(left)) if left else plan


_NOT_FIELDS = frozenset({"id", "createdDate", "lastUpdatedDate", "value"})  # a resource's identity and clock
