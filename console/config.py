"""User configuration: one TOML file under the XDG config directory (APIGW_CONSOLE_CONFIG overrides).

A bad file never stops the console: each problem (a value of the wrong type at any level, a number
out of range, an unknown key) is reported naming the file, line and key and what it must be, and
the default stands in for that value alone.

    protected_stages = ["prod*", "live"]   # stage names (fnmatch patterns) that need typed confirmation
    region = "eu-west-1"                    # when neither --region, AWS_REGION nor the profile names one
    theme = "textual-dark"                  # any Textual theme
    refresh_seconds = 60                    # re-fetch the screen in view this often (0: only on r; at most 86400)
    [keymap]
    "stage.throttle" = "T"                  # binding id = key(s); `apigw-console keymap` lists every id
    [budget]
    rate = 10                               # control-plane requests per second, shared by all calls (0.1 to 1000)
    burst = 40                              # 1 to 1000
    [canary]                                # the promotion gate: what a canary must show before promote
    min_requests = 200                      # requests the canary served over the window
    max_5xx_margin = 1.0                    # its 5xx rate at most this many percentage points above the base's
    max_p99_ratio = 1.25                    # its p99 latency at most this multiple of the base's
    window_minutes = 15                     # the window the gate looks at
    [profiles.prod-admin]
    write = true                            # this profile may change things without --write
    header_colour = "red"                   # the TUI's header in this colour (one of the 16 terminal colours,
                                            # or "none"); a profile matching protected_stages is red by default
    header_marker = "PROD"                  # said in the header instead of the colour under NO_COLOR
    [fleets.payments]                       # `pulse --fleet payments`, `:fleet payments`
    targets = ["pay-prod@us-east-1", "pay-prod@eu-west-1"]   # PROFILE@REGION each
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from platformdirs import user_config_path

from console.keymap import BY_ID

APP = "apigw-console"


def config_path() -> Path:
    override = os.environ.get("APIGW_CONSOLE_CONFIG")
    return Path(override) if override else user_config_path(APP) / "config.toml"


@dataclass(frozen=True)
class CanaryGate:
    """What a canary must show over `window_minutes` before promotion goes through unoverridden."""

    min_requests: int = 200
    max_5xx_margin: float = 1.0  # percentage points above the base's 5xx rate
    max_p99_ratio: float = 1.25  # multiple of the base's p99 latency
    window_minutes: int = 15


@dataclass(frozen=True)
class Settings:
    protected_stages: tuple[str, ...] = ("prod*",)
    writable_profiles: frozenset[str] = frozenset()
    budget_rate: float = 10.0
    budget_burst: int = 40
    region: str | None = None
    theme: str | None = None
    refresh_seconds: int = 0
    keymap: tuple[tuple[str, str], ...] = ()
    canary: CanaryGate = CanaryGate()
    fleets: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (name, PROFILE@REGION targets), as written
    headers: tuple[tuple[str, str, str], ...] = ()  # (profile, header_colour, header_marker), as configured
    source: Path | None = None
    problems: tuple[str, ...] = field(default=())

    def header(self, profile: str | None) -> tuple[str | None, str]:
        """The TUI header's colour and its NO_COLOR marker for `profile`: as [profiles.NAME] says, else red
        and "PROD" when the name matches a protected_stages pattern (prod* matches prod-admin): where
        changes need typed confirmation, the header says so before anything is typed."""
        if not profile:
            return None, ""
        protected = any(fnmatch.fnmatchcase(profile, pattern) for pattern in self.protected_stages)
        colour, marker = ("red", "PROD") if protected else (None, "")
        for name, configured, said in self.headers:
            if name == profile:
                if configured:
                    colour = None if configured == "none" else configured
                marker = said or marker or profile.upper()
        return (colour, marker) if colour else (None, "")


def load(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        return Settings(source=path, problems=(f"{path}: cannot be read ({exc.strerror}); using defaults",))
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        return Settings(source=path, problems=(f"{path}, line {line}: is not UTF-8 text (TOML must be); "
                                               "using defaults",))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(source=path, problems=(_syntax(path, text, exc),))
    except RecursionError:
        return Settings(source=path, problems=(f"{path}: nests arrays or tables too deeply to read; using defaults",))
    return _settings(data, path, text)


def _settings(data: dict[str, Any], path: Path, text: str) -> Settings:
    """Every key checked on its own, at every level: a value of the wrong type or out of range is
    reported with the file, the line (where it can be found), the key and what it must be, and the
    default stands in for it alone. Nothing in the data can raise here."""
    problems: list[str] = []

    def at(where: tuple[str, ...]) -> str:
        line = _locate(text, where)
        return f"{path}, line {line}" if line else str(path)

    def wrong(where: tuple[str, ...], rule: str, key: str | None = None) -> None:
        problems.append(f"{at(where)}: '{key or where[-1]}' {rule}; using the default")

    def unknown(where: tuple[str, ...], table: str) -> None:
        problems.append(f"{at(where)}: unknown key '{where[-1]}'{f' in [{table}]' if table else ''} ignored")

    values: dict[str, Any] = {}
    stages = data.get("protected_stages", Settings.protected_stages)
    if isinstance(stages, (list, tuple)) and all(isinstance(s, str) and s for s in stages):
        values["protected_stages"] = tuple(stages)
    else:
        wrong(("protected_stages",), "must be a list of strings (stage name patterns)")
    budget = data.get("budget", {})
    if not isinstance(budget, dict):
        wrong(("budget",), "must be a table ([budget]) with rate and burst")
        budget = {}
    rate, burst = budget.get("rate", Settings.budget_rate), budget.get("burst", Settings.budget_burst)
    if _number(rate) and MIN_BUDGET_RATE <= rate <= MAX_BUDGET_RATE:
        values["budget_rate"] = float(rate)
    else:
        wrong(("budget", "rate"), f"must be a number from {MIN_BUDGET_RATE:g} to {MAX_BUDGET_RATE:g} "
                                  "(requests per second)")
    if _whole(burst) and 1 <= burst <= MAX_BUDGET_BURST:
        values["budget_burst"] = burst
    else:
        wrong(("budget", "burst"), f"must be a whole number from 1 to {MAX_BUDGET_BURST}")
    for key in sorted(set(budget) - {"rate", "burst"}):
        unknown(("budget", key), "budget")
    for key, rule in (("region", "must be a region name such as eu-west-1"),
                      ("theme", "must be the name of a Textual theme")):
        if key in data:
            if isinstance(data[key], str) and data[key].strip():
                values[key] = data[key].strip()
            else:
                wrong((key,), rule)
    refresh = data.get("refresh_seconds", 0)
    if _whole(refresh) and 0 <= refresh <= MAX_REFRESH:
        values["refresh_seconds"] = refresh
    else:
        wrong(("refresh_seconds",), f"must be a whole number of seconds from 0 to {MAX_REFRESH} "
                                    "(0: no automatic refresh)")
    keymap = data.get("keymap", {})
    if isinstance(keymap, dict):
        kept = {}
        for binding, keys in keymap.items():
            if binding not in BY_ID:
                problems.append(f"{at(('keymap', binding))}: unknown binding id '{binding}' in [keymap] ignored "
                                "(apigw-console keymap lists them)")
            elif isinstance(keys, str) and keys.strip():
                kept[binding] = keys
            else:
                wrong(("keymap", binding), 'in [keymap] must be a key or keys as a string, e.g. "T"', binding)
        values["keymap"] = tuple(sorted(kept.items()))
    else:
        wrong(("keymap",), 'must map binding ids to keys, e.g. "stage.throttle" = "T"')
    values["canary"], strays = _canary(data.get("canary", {}), lambda key, rule: wrong(
        ("canary",) if key == "canary" else ("canary", key), rule))
    for key in strays:
        unknown(("canary", key), "canary")
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        wrong(("profiles",), "must be a table of profiles: [profiles.NAME] with write = true or false")
        profiles = {}
    writable = set()
    headers: list[tuple[str, str, str]] = []
    for name, profile in profiles.items():
        if not isinstance(profile, dict):
            wrong(("profiles", name), f"in [profiles] must be a table: [profiles.{name}] with write = true or false",
                  name)
            continue
        allowed = profile.get("write", False)
        if isinstance(allowed, bool):
            if allowed:
                writable.add(name)
        else:
            wrong(("profiles", name, "write"), f"of profile '{name}' must be true or false", "write")
        colour, marker = profile.get("header_colour", ""), profile.get("header_marker", "")
        if "header_colour" in profile and colour not in HEADER_COLOURS:
            wrong(("profiles", name, "header_colour"), f"of profile '{name}' must be one of the 16 terminal colours "
                  f"({', '.join(HEADER_COLOURS[:8])}, bright_red ...) or \"none\"", "header_colour")
            colour = ""
        if not isinstance(marker, str) or len(marker) > 12:
            wrong(("profiles", name, "header_marker"), f"of profile '{name}' must be a short text (12 characters "
                  "at most), e.g. \"PROD\"", "header_marker")
            marker = ""
        if colour or marker:
            headers.append((name, colour, marker.strip()))
        for key in sorted(set(profile) - {"write", "header_colour", "header_marker"}):
            unknown(("profiles", name, key), f"profiles.{name}")
    values["fleets"] = _fleets(data.get("fleets", {}), wrong, unknown)
    for key in sorted(set(data) - {"protected_stages", "budget", "profiles", "region", "theme", "refresh_seconds",
                                   "keymap", "canary", "fleets"}):
        unknown((key,), "")
    return Settings(**values, writable_profiles=frozenset(writable), headers=tuple(headers), source=path,
                    problems=tuple(problems))


HEADER_COLOURS = ("red", "green", "yellow", "blue", "magenta", "cyan", "white", "black",
                  *(f"bright_{c}" for c in ("red", "green", "yellow", "blue", "magenta", "cyan", "white", "black")),
                  "none")  # the 16 every terminal has (TERM=xterm too); "none": no colour, not even prod's red
MIN_BUDGET_RATE, MAX_BUDGET_RATE = 0.1, 1000.0  # control-plane calls per second
MAX_BUDGET_BURST = 1000
MAX_REFRESH = 86400  # a day


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    """An int or a finite float (TOML also has inf and nan), never a bool."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float)
                                                                         and math.isfinite(value))


def _canary(table: Any, wrong: Callable[[str, str], None]) -> tuple[CanaryGate, list[str]]:
    """The [canary] table, each key checked on its own so one bad value keeps the others; and the
    keys it does not know."""
    if not isinstance(table, dict):
        wrong("canary", "must be a table of gate settings ([canary])")
        return CanaryGate(), []
    rules = {
        "min_requests": (lambda v: _whole(v) and 1 <= v <= 1_000_000_000,
                         "must be a whole number from 1 to 1000000000"),
        "max_5xx_margin": (lambda v: _number(v) and 0 <= v <= 100,
                           "must be a number of percentage points from 0 to 100"),
        "max_p99_ratio": (lambda v: _number(v) and 1 <= v <= 1000,
                          "must be a number from 1 to 1000 (a multiple of the base's p99)"),
        "window_minutes": (lambda v: _whole(v) and 1 <= v <= 1440,
                           "must be a whole number of minutes from 1 to 1440"),
    }
    kept: dict[str, Any] = {}
    for key, value in table.items():
        if key not in rules:
            continue
        if not rules[key][0](value):
            wrong(key, rules[key][1])
        else:
            kept[key] = float(value) if key in ("max_5xx_margin", "max_p99_ratio") else value
    return CanaryGate(**kept), [key for key in table if key not in rules]


TARGET = re.compile(r"^(?P<profile>[^@\s]+)@(?P<region>[a-z]{2}(?:-[a-z]+)+-\d{1,2})$")
TARGET_RULE = "PROFILE@REGION, e.g. prod-admin@eu-west-1"


def _fleets(table: Any, wrong: Callable[..., None], unknown: Callable[..., None]) -> tuple:
    """[fleets.NAME] targets = ["PROFILE@REGION", ...]: a fleet with a bad target is left out, named."""
    if not isinstance(table, dict):
        wrong(("fleets",), "must be a table of fleets: [fleets.NAME] with targets = [\"PROFILE@REGION\", ...]")
        return ()
    kept = []
    for name, fleet in table.items():
        if not isinstance(fleet, dict):
            wrong(("fleets", name), f"in [fleets] must be a table: [fleets.{name}] with targets = [...]", name)
            continue
        targets = fleet.get("targets")
        if not isinstance(targets, list) or not targets:
            wrong(("fleets", name, "targets"), f"of fleet '{name}' must be a non-empty list of {TARGET_RULE}",
                  "targets")
        elif bad := [t for t in targets if not isinstance(t, str) or not TARGET.match(t)]:
            wrong(("fleets", name, "targets"), f"of fleet '{name}' must be {TARGET_RULE} each, not "
                                               f"{', '.join(repr(t) for t in bad[:3])}", "targets")
        else:
            kept.append((name, tuple(dict.fromkeys(targets))))
        for key in sorted(set(fleet) - {"targets"}):
            unknown(("fleets", name, key), f"fleets.{name}")
    return tuple(kept)


def _syntax(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib says "(at line 3, column 7)" or "(at end of document)"; both become a line number."""
    message = str(exc)
    found = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(found[1]) if found else max(1, len(text.splitlines()))
    reason = re.sub(r"\s*\(at [^)]*\)", "", message)
    return f"{path}, line {line}: {reason} (not valid TOML); using defaults"


_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY_PATH = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*")
_PART = re.compile(_KEY)


def _locate(text: str, where: tuple[str, ...]) -> int | None:
    """The line that sets `where` (a key path): a `key = ...` line under its table header, a dotted key,
    or the header of a table; else the line of the nearest enclosing key or table (an inline table),
    else None."""
    table: tuple[str, ...] = ()
    best: tuple[int, int] | None = None  # (matched depth, line)
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inner = stripped.lstrip("[")
            found = _KEY_PATH.match(inner)
            if not found or not inner[found.end():].startswith("]"):
                continue
            table, here = _parts(found[1]), _parts(found[1])
        else:
            found = _KEY_PATH.match(line)
            if not found or not line[found.end():].startswith("="):
                continue
            here = table + _parts(found[1])
        if here == where:
            return number
        depth = len(here)
        if here == where[:depth] and (best is None or depth > best[0]):
            best = (depth, number)
    return best[1] if best else None


def _parts(key: str) -> tuple[str, ...]:
    """A dotted key's parts, quotes removed: 'profiles."prod-admin".write' -> (profiles, prod-admin, write)."""
    parts = []
    for part in _PART.findall(key):
        if part[:1] == '"':
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part[:1] == "'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)
