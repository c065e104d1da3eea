"""Input rules, checked before any call, each refusal naming the field and the documented rule.

This is the one way the console reads a number someone typed. A number is written with the ASCII
digits 0-9 and at most one decimal point: no sign, exponent, underscore, spaces inside, "inf" or
"nan", and no digits of other scripts ("²", "①", "٣" pass `str.isdigit()` or `float()` and are
still refused). It is compared exactly (as a decimal) with the range AWS documents, so nothing
overflows or quietly becomes 0; where a value is rounded (a rate to 6 decimal places, a relative
burst to a whole number) the caller gets a note saying so, for the plan's warnings. Every refusal is
an `Invalid` naming the field; nothing here raises anything else.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from actions.plan import Invalid

# -- stage variables (CreateStage / UpdateStage reference; API Gateway quotas) ----------------------------

VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]+")
VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")
VALUE_CHARACTERS = "letters, digits and -._~:/?#&=,"
MAX_VARIABLE_NAME = 64
MAX_VARIABLE_VALUE = 512
MAX_VARIABLES = 100

# -- numbers ------------------------------------------------------------------------------------------------

MAX_INT = 2_147_483_647  # AWS's whole-number fields (bursts, quota limits) are 32-bit integers
MAX_RATE = float(MAX_INT)  # no documented ceiling for a rate (a double); held to the bursts' range
RATE_PLACES = 6  # a rate is kept to 6 decimal places
PERCENT_PLACES = 6
MAX_AGE = timedelta(days=3650)

_LONGEST = 40  # characters; anything longer is not a number anyone meant
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_DECIMAL = re.compile(_NUMBER)
_WHOLE = re.compile(r"[0-9]+")
_RELATIVE = re.compile(rf"[x*](?P<factor>{_NUMBER})|(?P<sign>[+-])(?P<percent>{_NUMBER})%")
_AGE = re.compile(r"(?P<number>[0-9]+)(?P<unit>[smhd])")
_AGE_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")


def number(field: str, text: str | float, *, low: float, high: float, rule: str,
           places: int | None = None) -> tuple[float, str | None]:
    """A decimal number from `low` to `high`; rounded to `places` decimal places (with a note) if given.
    A float or int (from a caller, not a person) is held to the same range and must be finite."""
    exact, shown = _decimal(field, text, rule)
    return _ranged(field, exact, shown, low=low, high=high, rule=rule, places=places)


def whole(field: str, text: str | int, *, low: int, high: int, rule: str) -> int:
    """A whole number from `low` to `high`."""
    if isinstance(text, int) and not isinstance(text, bool):
        shown = str(text)
    else:
        shown = _stripped(text)
        if len(shown) > _LONGEST or not _WHOLE.fullmatch(shown):
            raise _refused(field, rule, shown)
    value = int(shown)
    if not low <= value <= high:
        raise Invalid(field, rule, _short(shown))
    return value


def amount(field: str, text: str, current: float | None, *, high: float, rule: str, places: int) -> tuple[float, str | None]:
    """An absolute value ("200", "55.5") or one relative to `current` ("x1.5", "+20%", "-50%"), from 0
    to `high`, rounded to `places` decimal places (0: a whole number) with a note when that changes it."""
    shown = _stripped(text)
    relative = _RELATIVE.fullmatch(shown) if len(shown) <= _LONGEST else None
    if relative is None:
        if places == 0:
            return float(whole(field, shown, low=0, high=int(high), rule=rule)), None
        return number(field, shown, low=0, high=high, rule=rule, places=places)
    if current is None:
        raise Invalid(field, "a relative value needs a current value to start from; give an absolute one", shown)
    if not isinstance(current, (int, float)) or isinstance(current, bool) or not math.isfinite(current):
        raise Invalid(field, "the current value is not a number to start from; give an absolute one", shown)
    with localcontext() as exact:
        exact.prec = 60
        base = Decimal(repr(float(current)))
        if relative["factor"] is not None:
            value = base * Decimal(relative["factor"])
        else:
            change = Decimal(relative["percent"]) / 100
            value = base * (1 + change if relative["sign"] == "+" else 1 - change)
    start = f"{current:g}"
    if value < 0:
        raise Invalid(field, f"{shown} of {start} goes below 0", shown)
    if value > Decimal(repr(high)):
        raise Invalid(field, f"{shown} of {start} is above {_plain(Decimal(repr(high)))}, the largest allowed", shown)
    return _ranged(field, value, f"{shown} of {start} ({_plain(value)})", low=0, high=high, rule=rule,
                   places=places)


def rate(text: str, current: float | None) -> tuple[float, str | None]:
    """Requests per second: absolute or relative, 0 to MAX_RATE, kept to 6 decimal places."""
    return amount("rate", text, current, high=MAX_RATE, places=RATE_PLACES,
                  rule=f"must be a non-negative number of requests per second up to {MAX_INT} (e.g. 200 or 55.5), "
                       "or relative as x1.5, +20% or -50%")


def burst(text: str, current: int | None) -> tuple[int, str | None]:
    """A burst is a whole number, 0 to MAX_INT; a relative burst is rounded, and says so."""
    value, note = amount("burst", text, None if current is None else float(current), high=MAX_INT, places=0,
                         rule=f"must be a non-negative number of requests, whole, up to {MAX_INT} (e.g. 400), "
                              "or relative as x2, +50% or -50%")
    return int(value), note


def age(field: str, text: str) -> timedelta:
    """How long ago: "90s", "15m", "2h", "7d", up to ten years."""
    shown = _stripped(text)
    rule = "a number and a unit (s, m, h, d), e.g. 2h"
    found = _AGE.fullmatch(shown) if len(shown) <= _LONGEST else None
    if found is None:
        raise _refused(field, rule, shown)
    seconds = int(found["number"]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[found["unit"]]
    if seconds > MAX_AGE.total_seconds():
        raise Invalid(field, f"{rule}, at most {MAX_AGE.days} days", shown)
    return timedelta(**{_AGE_UNITS[found["unit"]]: int(found["number"])})


def moment(field: str, text: str, now: datetime) -> datetime:
    """A time as the AWS CLI takes one: `now`, an age ("15m", "2h", "1d": that long before `now`), or
    ISO 8601 ("2026-12-04T09:30", "2026-12-04T09:30:00+01:00", "2026-12-04"), in UTC unless a zone is given."""
    shown = _stripped(text)
    if shown.lower() == "now":
        return now
    if shown[:1].isdigit() and not _AGE.fullmatch(shown):
        try:
            found = datetime.fromisoformat(shown)
        except ValueError:
            raise Invalid(field, "an age (15m, 2h, 1d), now, or an ISO 8601 time, e.g. 2026-12-04T09:30:00Z",
                          shown) from None
        return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)
    return now - age(field, shown)


def selector(kind: str, text: str | None, *, otherwise: str | None = None) -> str | None:
    """A method ("VERB /path") or route key as typed. None (not given) stays None where `otherwise` says
    what that means, and is refused where there is no otherwise; an empty or blank one is always refused
    rather than read as "not given"."""
    example = "'GET /orders/{orderId}'" if kind == "method" else "'GET /products'"
    if text is None and otherwise is not None:
        return None
    if text is None:
        raise Invalid(kind, f"is required; name one, e.g. {example}")
    if not isinstance(text, str) or not text.strip():
        instead = f", or leave it out for {otherwise}" if otherwise else ""
        raise Invalid(kind, f"is empty; name one, e.g. {example}{instead}", text)
    return text.strip()


# -- stage variables -----------------------------------------------------------------------------------------


def variable_name(name: str) -> str:
    field = f"variable {_short(name)!r}"
    if not 1 <= len(name) <= MAX_VARIABLE_NAME:
        raise Invalid(field, f"names have 1 to {MAX_VARIABLE_NAME} characters", f"{len(name)} characters")
    if not VARIABLE_NAME.fullmatch(name):
        bad = next(c for c in name if not VARIABLE_NAME.fullmatch(c))
        raise Invalid(field, f"names may hold only letters, digits and underscores ({_char(bad)} is not one of "
                             "them)", _short(name))
    return name


def variable_value(name: str, value: str) -> str:
    field = f"variable {_short(name)}"
    if not value:
        raise Invalid(field, f"values have 1 to {MAX_VARIABLE_VALUE} characters (to remove a variable, unset it)",
                      value)
    if len(value) > MAX_VARIABLE_VALUE:
        raise Invalid(field, f"values are at most {MAX_VARIABLE_VALUE} characters", f"{len(value)} characters")
    if not VARIABLE_VALUE.fullmatch(value):
        bad = next(c for c in value if not VARIABLE_VALUE.fullmatch(c))
        raise Invalid(field, f"values are non-empty and may hold only {VALUE_CHARACTERS} ({_char(bad)} is not one "
                             "of them)", _short(value))
    return value


# -- helpers -------------------------------------------------------------------------------------------------


def _stripped(text: object) -> str:
    return text.strip() if isinstance(text, str) else str(text).strip()


def _decimal(field: str, text: str | float, rule: str) -> tuple[Decimal, str]:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if not math.isfinite(text):
            raise Invalid(field, f"{rule}; it must be a finite number", repr(text))
        return Decimal(repr(text)), f"{text:g}"
    shown = _stripped(text)
    if len(shown) > _LONGEST or not _DECIMAL.fullmatch(shown):
        raise _refused(field, rule, shown)
    return Decimal(shown), shown


def _ranged(field: str, exact: Decimal, shown: str, *, low: float, high: float, rule: str,
            places: int | None) -> tuple[float, str | None]:
    if not Decimal(repr(low)) <= exact <= Decimal(repr(high)):
        raise Invalid(field, rule, _short(shown))
    note = None
    if places is not None:
        step = Decimal(1).scaleb(-places)
        with localcontext() as context:
            context.prec = 60
            rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
        if rounded != exact:
            if rounded == 0:
                smallest = "1" if places == 0 else _plain(step)
                raise Invalid(field, f"{_short(shown)} is below {smallest}, the smallest step kept; give 0 or at "
                                     f"least {smallest}")
            note = f"{field} {_short(shown)} rounded to {_plain(rounded)}"
            exact = rounded
    return float(exact), note


def _refused(field: str, rule: str, shown: str) -> Invalid:
    """The rule, and what in particular is wrong with the text, when that can be said."""
    return Invalid(field, rule + (f"; {why}" if (why := _why(shown)) else ""), _short(shown))


def _why(text: str) -> str | None:
    if not text:
        return "it is empty"
    if len(text) > _LONGEST:
        return f"it is longer than {_LONGEST} characters"
    odd = next((c for c in text if (c.isdigit() or c.isnumeric() or unicodedata.category(c) == "Nd")
                and c not in "0123456789"), None)
    if odd is not None:
        return f"{_char(odd)} is not one of the digits 0-9"
    if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return "it must be a finite number"
    if _EXPONENT.fullmatch(text):
        return "write it out in digits, without an exponent"
    if text.startswith("-") and _DECIMAL.fullmatch(text[1:]):
        return "it must not be negative"
    if any(c.isspace() for c in text):
        return "it must not contain spaces"
    return None


def _char(c: str) -> str:
    """A character as a refusal names it: visible, with its Unicode name when it is not plain ASCII."""
    if c.isascii() and c.isprintable():
        return repr(c)
    name = unicodedata.name(c, None)
    return f"{c!r} (U+{ord(c):04X}{' ' + name if name else ''})"


def _plain(value: Decimal) -> str:
    """A decimal without exponent or needless trailing zeros: 0.000001, 20, 7.5."""
    return format(value.normalize(), "f")


def _short(text: str) -> str:
    return text if len(text) <= _LONGEST else text[:_LONGEST] + "…"
