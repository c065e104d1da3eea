"""Applying plans: re-read, check, call, re-read, write it down.

Nothing is sent unless writes are allowed, and nothing is sent if a touched field no longer holds
what the plan was made from: the operator then sees the new values instead. Every attempt that
reached the check is journaled; an undo is a plan like any other, built from the journal.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, replace
from typing import Any

from actions import pacing
from actions.plan import ANSWER_ID, Change, Plan, Target
from actions.resource_doc import ResourceDoc, api_key_document, usage_plan_document
from actions.stage_doc import StageDoc, read_field, same
from console.aws.errors import Problem, explain
from console.aws.session import Target as Place
from console.config import Settings, config_path
from console.journal.store import APPLIED, FAILED, REFUSED, Journal
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
    """The target changed since the plan was made; `changes` says how (planned before -> now)."""

    def __init__(self, changes: tuple[Change, ...], what: str = "stage"):
        lines = "; ".join(f"{c.label}: was {c.before!r} when planned, now {c.after!r}" for c in changes)
        super().__init__(f"The {what} changed since this plan was made, so nothing was sent: {lines}. "
                         "Review the new values and plan again.", kind="conflict")
        self.changes = changes


@dataclass(frozen=True)
class Applied:
    plan: Plan  # as applied: a creation's new id filled in
    entry: dict[str, Any]
    document: dict[str, Any]  # the target as AWS reports it afterwards
    answer: dict[str, Any]  # AWS's answer; may hold a secret (a new key's value): show it, never store it


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
        return StageDoc(target=self._target(api, stage), protected=self.protected(stage), api=api, raw=raw,
                        structure=self.gateway.detail(api))

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

    # -- applying ----------------------------------------------------------------------------------

    def apply(self, plan: Plan) -> Applied:
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
        drift = tuple(Change(_label(path), expected, read_field(before, path))
                      for path, expected in plan.precondition if not same(read_field(before, path), expected))
        if drift:
            self._record(plan, REFUSED, reason="changed since planned", drift=[vars(c) for c in drift])
            raise Conflict(drift, "stage" if plan.target.resource == "stage" else plan.target.label)
        client = self.connection.client(plan.call.service)
        try:
            answer = getattr(client, plan.call.method)(**plan.call.params)
        except Exception as exc:
            problem = explain(exc, profile=plan.target.profile)
            self._record(plan, FAILED, reason=str(problem))
            raise problem from None
        request_id = (answer.get("ResponseMetadata") or {}).get("RequestId")
        plan = plan.resolved(answer)
        after = self.read(plan.target) if plan.postcondition else {}
        surprises = [f"{_label(path)}: AWS reports {read_field(after, path)!r}, planned {value!r}"
                     for path, value in plan.postcondition if not same(read_field(after, path), value)]
        entry = self._record(plan, APPLIED, request_id=request_id, surprises=surprises)
        self._forget(plan.target)
        answer.pop("ResponseMetadata", None)
        return Applied(plan=plan, entry=entry, document=after, answer=answer)

    def _forget(self, target: Target) -> None:
        """Drop the cached reads the change made stale, so every screen shows the new state."""
        if target.resource == "stage":
            self.gateway.forget("stage", target.api_id, target.stage)
            self.gateway.forget("stages", target.api_id)
        else:
            self.gateway.forget("plans")
            self.gateway.forget("keys")

    def _record(self, plan: Plan, outcome: str, **details: Any) -> dict[str, Any]:
        identity = self.connection.identity
        return self.journal.append({
            "outcome": outcome,
            "caller": identity.arn if identity else None,
            "profile": plan.target.profile,
            "region": plan.target.region,
            "endpoint": plan.target.endpoint,
            "target": plan.target.label,
            "call": f"{plan.call.service} {plan.call.operation}",
            "summary": plan.summary,
            "changes": [vars(c) for c in plan.changes],
            "plan": plan.to_json(),
            "undoes": plan.undoes,
            **{k: v for k, v in details.items() if v not in (None, [], "")},
        })

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
        here = (self.connection.region, self.connection.target.endpoint_url)
        if (inverse.target.region, inverse.target.endpoint) != here:
            raise Problem(f"Entry {entry['id']} changed {inverse.target.label}; connect to that region "
                          f"and endpoint to undo it.", kind="bad-request")
        return replace(inverse, undoes=entry["id"])


def _label(path: tuple[str, ...]) -> str:
    return " ".join(path)
