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
    account: str
    region: str
    profile: str | None
    endpoint: str | None
    api_id: str
    api_name: str
    protocol: str  # REST | HTTP | WEBSOCKET
    stage: str

    @property
    def label(self) -> str:
        return f"{self.api_name} ({self.api_id}) › {self.stage} · {self.region} · {self.account}"


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
        )

    def aws_cli(self) -> str:
        return aws_cli(self.call, self.target)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "summary": self.summary,
            "target": vars(self.target),
            "call": vars(self.call),
            "changes": [vars(c) for c in self.changes],
            "precondition": [[list(p), v] for p, v in self.precondition],
            "postcondition": [[list(p), v] for p, v in self.postcondition],
            "inverse_call": vars(self.inverse_call) if self.inverse_call else None,
            "warnings": list(self.warnings),
            "protected": self.protected,
            "notes": list(self.notes),
            "undoes": self.undoes,
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
            warnings=tuple(data.get("warnings", ())),
            protected=data.get("protected", False),
            notes=tuple(data.get("notes", ())),
            undoes=data.get("undoes"),
        )


def read(document: dict[str, Any], path: Path) -> Any:
    """The value at `path` in an AWS document, or None where any step is missing."""
    value: Any = document
    for step in path:
        if not isinstance(value, dict) or step not in value:
            return None
        value = value[step]
    return value


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def aws_cli(call: Call, target: Target) -> str:
    """The equivalent AWS CLI command line, quoted for a POSIX shell."""
    words = ["aws", call.service, _kebab(call.operation)]
    for name, value in call.params.items():
        words.append(f"--{_kebab(name)}")
        words.append(value if isinstance(value, str) else json.dumps(value, separators=(",", ":")))
    words += ["--region", target.region]
    if target.profile:
        words += ["--profile", target.profile]
    if target.endpoint:
        words += ["--endpoint-url", target.endpoint]
    return " ".join(shlex.quote(w) for w in words)
