"""A stepped rollout: a planned sequence of canary weights, ending in a promotion if asked.

The rollout only says what comes next and since when the gate should judge; each step is still a
plan the operator confirms, and a step is proposed only once the gate passes on the traffic served
since the previous one. Whoever drives it (the canary screen's timer) stops it by dropping it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from actions.canary import percent
from actions.plan import Invalid

PROMOTE = "promote"
EXAMPLE = "5, 25, 50, promote"


@dataclass(frozen=True)
class Rollout:
    steps: tuple[float | str, ...]  # weights, rising; PROMOTE only last
    index: int = 0  # the step to take next
    since: datetime | None = None  # when the last step was applied (or the rollout began): the gate judges from then

    @property
    def step(self) -> float | str | None:
        return self.steps[self.index] if self.index < len(self.steps) else None

    @property
    def done(self) -> bool:
        return self.step is None

    def advanced(self, at: datetime) -> "Rollout":
        return replace(self, index=self.index + 1, since=at)

    def skipped(self) -> "Rollout":
        """Past a weight the canary already has, without waiting for the gate."""
        return replace(self, index=self.index + 1)

    def describe(self) -> str:
        shown = [f"{_word(s)} (next)" if i == self.index else _word(s) for i, s in enumerate(self.steps)]
        return " → ".join(shown)


def parse(text: str) -> Rollout:
    """ "5, 25, 50, promote" (commas, spaces or arrows between) as a Rollout."""
    words = [w for w in text.replace("→", ",").replace("->", ",").replace(" ", ",").split(",") if w]
    if not words:
        raise Invalid("steps", f"name the weights in order, e.g. {EXAMPLE}")
    steps: list[float | str] = []
    for position, word in enumerate(words):
        if word.lower() == PROMOTE:
            if position != len(words) - 1:
                raise Invalid("steps", "promote can only be the last step", text)
            steps.append(PROMOTE)
            continue
        weight = percent(word)
        if steps and weight <= steps[-1]:
            raise Invalid("steps", "each weight must be above the one before", word)
        steps.append(weight)
    return Rollout(tuple(steps))


def _word(step: float | str) -> str:
    return step if isinstance(step, str) else f"{step:g}%"
