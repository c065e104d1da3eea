"""Key rotation: a new key with the old key's usage plans, then — once the operator confirms — the old
key disabled.

A rotation is a sequence of single-call plans, each applied and journaled on its own and marked
`part_of="rotation <id> <old key id> <step>"`, so an interrupted rotation is found in the journal
and finished later (`keys rotate KEY --resume`, or rotate on the same key in the TUI). What is left
to do is read from AWS each time — the old key's plans the new key is not in yet, whether the old
key is still enabled — so finishing never repeats a step that ran. The new key's value is AWS's
answer to the first step: shown once, never written down.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from actions import api_keys
from actions.plan import Plan
from actions.resource_doc import ResourceDoc
from console.aws.errors import Problem
from console.journal.store import APPLIED

if TYPE_CHECKING:
    from actions.engine import Engine

CREATE, ASSOCIATE, DISABLE = "create", "associate", "disable"
_SUFFIX = re.compile(r"-\d{8}-\d{4}$")  # what a previous rotation appended to the name


@dataclass(frozen=True)
class Step:
    action: str  # create | associate | disable
    label: str
    plan_id: str = ""  # the usage plan an associate step adds the new key to
    done: bool = False
    entry: str | None = None  # the journal entry that ran it

    @property
    def name(self) -> str:
        return f"{self.action}:{self.plan_id}" if self.plan_id else self.action


@dataclass(frozen=True)
class Rotation:
    id: str
    old: ResourceDoc
    new_name: str
    new: ResourceDoc | None  # the new key, once the first step has run
    steps: tuple[Step, ...]

    @property
    def next(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)

    @property
    def finished(self) -> bool:
        return self.next is None

    @property
    def started(self) -> bool:
        return self.new is not None

    def lines(self) -> list[str]:
        """Each step, numbered, with whether it ran and the journal entry that ran it."""
        return [f"{'✓' if s.done else '·'} {n}. {s.label}" + (f"  (journal {s.entry})" if s.entry else "")
                for n, s in enumerate(self.steps, 1)]

    def to_json(self) -> dict[str, Any]:
        return {"rotation": self.id, "old_key": self.old.id, "new_key": self.new.id if self.new else None,
                "finished": self.finished, "steps": [{"step": s.name, "label": s.label, "done": s.done,
                                                      "entry": s.entry} for s in self.steps]}


def start(engine: "Engine", old: ResourceDoc, new_name: str | None = None) -> Rotation:
    """A new rotation of `old`, nothing run yet (callers first look for an `unfinished` one)."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    name = new_name or f"{_SUFFIX.sub('', old.name)}-{stamp}"
    return _state(engine, f"r{secrets.token_hex(3)}", old, name, None, {})


def unfinished(engine: "Engine", old: ResourceDoc) -> Rotation | None:
    """The newest rotation of `old` whose first step ran (and was not undone) and which is not finished."""
    for rotation_id, entries in reversed(_runs(engine, old.id).items()):
        if CREATE not in entries:
            continue
        try:
            rotation = _load(engine, rotation_id, old, entries, "")
        except Problem as problem:
            if problem.kind == "not-found":  # the new key was deleted since: that rotation was abandoned
                continue
            raise
        return None if rotation.finished else rotation
    return None


def refresh(engine: "Engine", rotation: Rotation) -> Rotation:
    """The rotation as AWS and the journal have it now (after a step ran)."""
    entries = _runs(engine, rotation.old.id).get(rotation.id, {})
    return _load(engine, rotation.id, engine.api_key(rotation.old.id), entries, rotation.new_name)


def step_plan(engine: "Engine", rotation: Rotation, step: Step) -> Plan:
    """The plan that runs `step`, read afresh; it is journaled as part of the rotation."""
    if step.action == CREATE:
        plan = api_keys.create(engine.place(), name=rotation.new_name, enabled=True,
                               description=f"Replaces {rotation.old.name} ({rotation.old.id})")
    elif step.action == ASSOCIATE:
        new = engine.api_key(rotation.new.id)
        plans = {p.id: p for p in engine.gateway.usage_plans(refresh=True)}
        plan = api_keys.associate(new, plans[step.plan_id],
                                  [plans[p] for p in new.raw.get("usagePlans") or {} if p in plans])
    else:
        plan = api_keys.set_enabled(engine.api_key(rotation.old.id), False)
    return replace(plan, summary=f"Rotate {rotation.old.name}, step {rotation.steps.index(step) + 1} of "
                                 f"{len(rotation.steps)}: {step.label}",
                   part_of=f"rotation {rotation.id} {rotation.old.id} {step.name}")


def _state(engine: "Engine", rotation_id: str, old: ResourceDoc, new_name: str, new: ResourceDoc | None,
           entries: dict[str, dict]) -> Rotation:
    """Which steps are done, from AWS (the keys' plans, the old key's state) and the journal (entries)."""
    names = {p.id: p.name for p in engine.gateway.usage_plans()}
    plan_ids = sorted(set(old.raw.get("usagePlans") or {}) | {s.split(":", 1)[1] for s in entries if ":" in s},
                      key=lambda p: names.get(p, p))
    have = (new.raw.get("usagePlans") or {}) if new else {}
    steps = [Step(CREATE, f"Create API key {new_name} (its value is shown once)", done=new is not None,
                  entry=_id(entries.get(CREATE)))]
    steps += [Step(ASSOCIATE, f"Add it to usage plan {names.get(p, p)}", plan_id=p, done=p in have,
                   entry=_id(entries.get(f"{ASSOCIATE}:{p}"))) for p in plan_ids]
    steps.append(Step(DISABLE, f"Disable the old key {old.name} — after confirmation",
                      done=not old.raw.get("enabled"), entry=_id(entries.get(DISABLE))))
    return Rotation(rotation_id, old, new_name, new, tuple(steps))


def _runs(engine: "Engine", old_key_id: str) -> dict[str, dict[str, dict]]:
    """{rotation id: {step: journal entry}} of `old_key_id`'s rotations, oldest first; undone steps left out."""
    entries = engine.journal.entries()
    undone = {e.get("undoes") for e in entries if e.get("outcome") == APPLIED}
    runs: dict[str, dict[str, dict]] = {}
    for entry in entries:
        parsed = _parse(entry["plan"].get("part_of"))
        if parsed and parsed[1] == old_key_id and entry.get("outcome") == APPLIED and entry["id"] not in undone:
            runs.setdefault(parsed[0], {})[parsed[2]] = entry
    return runs


def _load(engine: "Engine", rotation_id: str, old: ResourceDoc, entries: dict[str, dict], new_name: str) -> Rotation:
    created = entries.get(CREATE)
    new = engine.api_key(created["plan"]["target"]["resource_id"]) if created else None
    return _state(engine, rotation_id, old, new.name if new else new_name, new, entries)


def _parse(part_of: str | None) -> tuple[str, str, str] | None:
    """ "rotation <id> <old key id> <step>" -> (id, old key id, step)."""
    words = (part_of or "").split(" ")
    return (words[1], words[2], words[3]) if len(words) == 4 and words[0] == "rotation" else None


def _id(entry: dict | None) -> str | None:
    return entry["id"] if entry else None
