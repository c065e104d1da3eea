"""Input rules, checked before any call, each refusal naming the field and the documented rule."""

from __future__ import annotations

import math
import re

from actions.plan import Invalid

VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]+$")
VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]+$")
MAX_VARIABLE_VALUE = 512
MAX_VARIABLES = 100
_RELATIVE = re.compile(r"^(?:[x*](?P<factor>\d+(?:\.\d+)?)|(?P<sign>[+-])(?P<percent>\d+(?:\.\d+)?)%)$")


def amount(field: str, text: str, current: float | None) -> float:
    """An absolute value ("200", "55.5") or one relative to `current` ("x1.5", "+20%", "-50%")."""
    text = text.strip()
    relative = _RELATIVE.match(text)
    if relative:
        if current is None:
            raise Invalid(field, "a relative value needs a current value to start from; give an absolute one", text)
        if relative["factor"] is not None:
            value = current * float(relative["factor"])
        else:
            change = float(relative["percent"]) / 100
            value = current * (1 + change if relative["sign"] == "+" else 1 - change)
    else:
        try:
            value = float(text)
        except ValueError:
            raise Invalid(field, "must be a number, or relative as x1.5, +20% or -50%", text) from None
    if not math.isfinite(value) or value < 0:
        raise Invalid(field, "must be a non-negative number", text)
    return value


def rate(text: str, current: float | None) -> float:
    return round(amount("rate", text, current), 6)


def burst(text: str, current: int | None) -> tuple[int, str | None]:
    """A burst is a whole number; a relative burst is rounded, and says so."""
    value = amount("burst", text, None if current is None else float(current))
    if _RELATIVE.match(text.strip()):
        rounded = int(value + 0.5)
        return rounded, (f"burst {value:g} rounded to {rounded}" if rounded != value else None)
    if value != int(value):
        raise Invalid("burst", "must be a whole number", text)
    return int(value), None


def variable_name(name: str) -> str:
    if not VARIABLE_NAME.match(name):
        raise Invalid(f"variable {name!r}", "names may hold only letters, digits and underscores", name)
    return name


def variable_value(name: str, value: str) -> str:
    field = f"variable {name}"
    if len(value) > MAX_VARIABLE_VALUE:
        raise Invalid(field, f"values are at most {MAX_VARIABLE_VALUE} characters", f"{len(value)} characters")
    if not VARIABLE_VALUE.match(value):
        raise Invalid(field, "values are non-empty and may hold only letters, digits and -._~:/?#&=,", value)
    return value
