"""The Plan: a change described completely before anything is sent.

A plan names its target, the exact AWS call, what changes (before -> after), what the touched
fields must still hold when it is applied (precondition), what they will hold afterwards
(postcondition), the equivalent `aws` command, and the plan that puts everything back (inverse).
Fields are addressed by paths into the stage document exactly as AWS returns it, so "has it
changed since I looked?" is a comparison of AWS's own values. Plans round-trip through JSON,
which is how the audit journal keeps them for undo.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

Path = tuple[str, ...]


class Invalid(ValueError):
    """Input refused before any call: names the field and the rule it breaks."""

    def __init__(self, field: str, rule: str, value: Any = None):
        self.field, self.rule, self.value = field, rule, value
        shown = f" (got {value!r})" if value is not None else ""
        super().__init__(f"{field}: {rule}{shown}")


@dataclass(frozen=True)
class Target:
    """What a plan changes, and where. `resource` says which AWS document its conditions read:
    "stage" (GetStage), "usage-plan" (GetUsagePlan), "api-key" (GetApiKey with its usage plans, never
    its value: see actions.resource_doc), or "none". A creation's resource_id is "{answer.id}" until
    AWS answers: there is nothing to read before it."""

    account: str
    region: str
    profile: str | None
    endpoint: str | None
    api_id: str = ""
    api_name: str = ""
    protocol: str = ""  # REST | HTTP | WEBSOCKET
    stage: str = ""
    resource: str = "stage"
    resource_id: str = ""
    resource_name: str = ""
    managed_by: str = ""  # the infrastructure-as-code tool or stack whose tags the stage or its API carries

    @property
    def label(self) -> str:
        where = f"{self.region} · {self.account}"
        if self.resource == "stage":
            return f"{self.api_name} ({self.api_id}) › {self.stage} · {where}"
        what = {"usage-plan": "usage plan", "api-key": "API key"}.get(self.resource, self.resource)
        known = "" if ANSWER_ID in self.resource_id else self.resource_id  # a creation's id comes with the answer
        name = self.resource_name or known or "(new)"
        return f"{what} {name}" + (f" ({known})" if self.resource_name and known else "") + f" · {where}"

@dataclass(frozen=True)
class Change:
    """One line of the diff, in words: `label` changes from `before` to `after` (None: not set)."""

    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Call:
    service: str  # boto3 service name: apigateway | apigatewayv2
    operation: str  # AWS operation name: UpdateStage | DeleteRouteSettings | ...
    params: dict[str, Any]

    @property
    def method(self) -> str:
        """The boto3 method name: UpdateStage -> update_stage."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.operation).lower()


@dataclass(frozen=True)
class Plan:
    kind: str  # what the action is, for the journal: "throttle", "variables", "undo", ...
    summary: str
    target: Target
    call: Call
    changes: tuple[Change, ...]
    precondition: tuple[tuple[Path, Any], ...]  # field path -> value it must hold when applied
    postcondition: tuple[tuple[Path, Any], ...]  # field path -> value it holds once applied
    inverse_call: Call | None = None
    warnings: tuple[str, ...] = ()
    protected: bool = False
    notes: tuple[str, ...] = field(default=())  # e.g. "gate overridden by the operator"
    undoes: str | None = None  # the journal entry this plan reverses
    secret_params: tuple[str, ...] = ()  # call parameters never shown, printed or journaled (an API key value)
    # A safety gate failed (its warnings say which): the operator must type OVERRIDE to apply it, and
    # `overridden()` writes that choice into the notes the journal keeps.
    needs_override: bool = False
    # One step of a change made of several plans applied in order (a key rotation): names the whole
    # and the step, so that the journal tells which steps ran and an interrupted one can be finished.
    part_of: str | None = None
    # Binary parameters and the file they were read from (ImportApiKeys' body): the `aws` line reads
    # them with fileb://, as the AWS CLI takes a blob.
    files: tuple[tuple[str, str], ...] = ()

    @property
    def inverse(self) -> "Plan | None":
        """The plan that undoes this one, valid only while the target still holds what this one left."""
        if self.inverse_call is None:
            return None
        return replace(
            self,
            kind="undo",
            summary=f"Undo: {self.summary}",
            call=self.inverse_call,
            changes=tuple(Change(c.label, c.after, c.before) for c in self.changes),
            precondition=self.postcondition,
            postcondition=self.precondition,
            inverse_call=self.call,
            warnings=(),
            notes=(),
            undoes=None,
            needs_override=False,
            part_of=None,
            files=(),
        )

    @property
    def all_warnings(self) -> tuple[str, ...]:
        """The plan's warnings, and the infrastructure-as-code one when its target is managed by a template."""
        if not self.target.managed_by:
            return self.warnings
        return (*self.warnings, f"{self.target.managed_by} manages this: the next deploy will revert this; "
                                "change it in the template too.")

    def overridden(self) -> "Plan":
        """The plan as applied over its failed gate, the operator's override recorded for the journal."""
        return replace(self, notes=(*self.notes, f"{OVERRIDE_NOTE}: " + "; ".join(self.warnings)))

    @property
    def override_given(self) -> bool:
        return any(note.startswith(OVERRIDE_NOTE) for note in self.notes)

    def aws_cli(self) -> str:
        return aws_cli(self.shown_call, self.target, dict(self.files))

    @property
    def shown_call(self) -> Call:
        """The call as it may be shown or journaled: secret parameters masked."""
        return _masked(self.call, self.secret_params)

    def resolved(self, answer: dict[str, Any]) -> "Plan":
        """After a creation: "{answer.id}" in the target and the inverse becomes the new resource's id."""
        new_id = str(answer.get("id") or answer.get("Id") or "")
        if not new_id:
            return self
        return replace(self, target=replace(self.target, resource_id=_fill(self.target.resource_id, new_id)),
                       inverse_call=replace(self.inverse_call, params=_fill(self.inverse_call.params, new_id))
                       if self.inverse_call else None,
                       postcondition=_fill(self.postcondition, new_id))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "summary": self.summary,
            "target": vars(self.target),
            "call": vars(self.shown_call),
            "changes": [vars(c) for c in self.changes],
            "precondition": [[list(p), v] for p, v in self.precondition],
            "postcondition": [[list(p), v] for p, v in self.postcondition],
            "inverse_call": vars(_masked(self.inverse_call, self.secret_params)) if self.inverse_call else None,
            "warnings": list(self.all_warnings),
            "protected": self.protected,
            "notes": list(self.notes),
            "undoes": self.undoes,
            "secret_params": list(self.secret_params),
            "needs_override": self.needs_override,
            "part_of": self.part_of,
            "files": [list(f) for f in self.files],
            "aws_cli": self.aws_cli(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Plan":
        return cls(
            kind=data["kind"],
            summary=data["summary"],
            target=Target(**data["target"]),
            call=Call(**data["call"]),
            changes=tuple(Change(**c) for c in data["changes"]),
            precondition=tuple((tuple(p), v) for p, v in data["precondition"]),
            postcondition=tuple((tuple(p), v) for p, v in data["postcondition"]),
            inverse_call=Call(**data["inverse_call"]) if data.get("inverse_call") else None,
            warnings=tuple(w for w in data.get("warnings", ()) if not w.endswith(IAC_WARNING_END)),
            protected=data.get("protected", False),
            notes=tuple(data.get("notes", ())),
            undoes=data.get("undoes"),
            secret_params=tuple(data.get("secret_params", ())),
            needs_override=data.get("needs_override", False),
            part_of=data.get("part_of"),
            files=tuple(tuple(f) for f in data.get("files", ())),
        )


IAC_WARNING_END = "change it in the template too."
# Tags that tools which own a resource put on it: a key naming the stack, or a managed-by key naming the tool.
STACK_TAGS = (("aws:cloudformation:stack-name", "CloudFormation (CDK, SAM) stack {}"),)
MANAGED_BY_TAGS = ("managed-by", "managed_by", "ManagedBy", "managedBy")


def managed_by(tags: dict[str, str]) -> str:
    """Who owns a resource by its tags ("" for no one): a CloudFormation stack (CDK and SAM deploy
    through one) or the tool a managed-by tag names (terraform, pulumi, ...)."""
    for key, words in STACK_TAGS:
        if tags.get(key):
            return words.format(tags[key])
    for key in MANAGED_BY_TAGS:
        if tags.get(key):
            tool = tags[key]
            return {"terraform": "Terraform", "cdk": "AWS CDK", "sam": "AWS SAM", "pulumi": "Pulumi",
                    "cloudformation": "CloudFormation"}.get(tool.lower(), tool)
    return ""


MASK = "********"
OVERRIDE = "override"  # what the operator types to apply a plan whose gate failed
OVERRIDE_NOTE = "gate overridden by the operator"
ANSWER_ID = "{answer.id}"


def _masked(call: Call, secret: tuple[str, ...]) -> Call:
    if not secret:
        return call
    return replace(call, params={k: (MASK if k in secret else v) for k, v in call.params.items()})


def _fill(value: Any, new_id: str) -> Any:
    """Replace the ANSWER_ID placeholder wherever it stands in a (nested) value."""
    if isinstance(value, str):
        return value.replace(ANSWER_ID, new_id)
    if isinstance(value, dict):
        return {k: _fill(v, new_id) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_fill(v, new_id) for v in value)
    return value


STDIN = "/dev/stdin"


@lru_cache(maxsize=None)
def _members(service: str, operation: str) -> dict[str, str]:
    """The operation's input members and their types (boolean, blob, structure, ...), from botocore's model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(service).operation_model(operation)
    return {name: shape.type_name for name, shape in model.input_shape.members.items()}


def aws_cli(call: Call, target: Target, files: dict[str, str] | None = None) -> str:
    """The equivalent AWS CLI command line, as the AWS CLI parses it, quoted for a POSIX shell: a boolean is
    `--name` / `--no-name`, a blob `fileb://FILE`, a structure or list JSON, anything else its text."""
    from botocore import xform_name

    types = _members(call.service, call.operation)
    words = ["aws", call.service, xform_name(call.operation, "-")]
    for name, value in call.params.items():
        option = f"--{xform_name(name, '-')}"
        kind = types.get(name)
        if kind == "boolean":
            words.append(option if value else f"--no-{option[2:]}")
        elif kind == "blob":
            words += [option, f"fileb://{(files or {}).get(name, STDIN)}"]
        else:
            words += [option, value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))]
    words += ["--region", target.region]
    if target.profile:
        words += ["--profile", target.profile]
    if target.endpoint:
        words += ["--endpoint-url", target.endpoint]
    return shlex.join(words)
