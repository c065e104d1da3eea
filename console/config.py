"""User configuration: one TOML file under the XDG config directory (APIGW_CONSOLE_CONFIG overrides).

A bad file never stops the console: each problem is reported naming the file, line and key, and
the defaults stand in for what could not be read.

    protected_stages = ["prod*", "live"]   # stage names (fnmatch patterns) that need typed confirmation
    region = "eu-west-1"                    # when neither --region, AWS_REGION nor the profile names one
    theme = "textual-dark"                  # any Textual theme
    refresh_seconds = 60                    # re-fetch the screen in view this often (0: only on r)
    [keymap]
    "stage.throttle" = "T"                  # binding id = key(s); `?` shows the keys in force
    [budget]
    rate = 10                               # control-plane requests per second, shared by all calls
    burst = 40
    [canary]                                # the promotion gate: what a canary must show before promote
    min_requests = 200                      # requests the canary served over the window
    max_5xx_margin = 1.0                    # its 5xx rate at most this many percentage points above the base's
    max_p99_ratio = 1.25                    # its p99 latency at most this multiple of the base's
    window_minutes = 15                     # the window the gate looks at
    [profiles.prod-admin]
    write = true                            # this profile may change things without --write
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from platformdirs import user_config_path

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
    source: Path | None = None
    problems: tuple[str, ...] = field(default=())


def load(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        text = path.read_text()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        return Settings(source=path, problems=(f"{path}: cannot be read ({exc.strerror}); using defaults",))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(source=path, problems=(_syntax(path, text, exc),))
    return _settings(data, path, text)


def _settings(data: dict[str, Any], path: Path, text: str) -> Settings:
    problems: list[str] = []

    def wrong(key: str, rule: str) -> None:
        problems.append(f"{path}, line {_line_of(text, key)}: '{key}' {rule}; using the default")

    values: dict[str, Any] = {}
    stages = data.get("protected_stages", Settings.protected_stages)
    if isinstance(stages, (list, tuple)) and all(isinstance(s, str) for s in stages):
        values["protected_stages"] = tuple(stages)
    else:
        wrong("protected_stages", "must be a list of strings (stage name patterns)")
    budget = data.get("budget", {})
    rate, burst = budget.get("rate", Settings.budget_rate), budget.get("burst", Settings.budget_burst)
    if isinstance(rate, (int, float)) and not isinstance(rate, bool) and rate > 0:
        values["budget_rate"] = float(rate)
    else:
        wrong("rate", "must be a number above 0 (requests per second)")
    if isinstance(burst, int) and not isinstance(burst, bool) and burst >= 1:
        values["budget_burst"] = burst
    else:
        wrong("burst", "must be a whole number of at least 1")
    for key, kind, rule in (("region", str, "must be a region name such as eu-west-1"),
                            ("theme", str, "must be the name of a Textual theme")):
        if key in data:
            if isinstance(data[key], kind) and data[key]:
                values[key] = data[key]
            else:
                wrong(key, rule)
    refresh = data.get("refresh_seconds", 0)
    if isinstance(refresh, int) and not isinstance(refresh, bool) and refresh >= 0:
        values["refresh_seconds"] = refresh
    else:
        wrong("refresh_seconds", "must be a whole number of seconds (0: no automatic refresh)")
    keymap = data.get("keymap", {})
    if isinstance(keymap, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()):
        values["keymap"] = tuple(sorted(keymap.items()))
    else:
        wrong("keymap", 'must map binding ids to keys, e.g. "stage.throttle" = "T"')
    values["canary"], strays = _canary(data.get("canary", {}), wrong)
    problems += [f"{path}, line {_line_of(text, key)}: unknown key '{key}' in [canary] ignored" for key in strays]
    writable = set()
    for name, profile in (data.get("profiles") or {}).items():
        allowed = profile.get("write", False) if isinstance(profile, dict) else None
        if isinstance(allowed, bool):
            if allowed:
                writable.add(name)
        else:
            wrong("write", f"of profile '{name}' must be true or false")
    unknown = set(data) - {"protected_stages", "budget", "profiles", "region", "theme", "refresh_seconds", "keymap",
                         "canary"}
    problems += [f"{path}, line {_line_of(text, key)}: unknown key '{key}' ignored" for key in sorted(unknown)]
    return Settings(**values, writable_profiles=frozenset(writable), source=path, problems=tuple(problems))


def _canary(table: Any, wrong: Callable[[str, str], None]) -> tuple[CanaryGate, list[str]]:
    """The [canary] table, each key checked on its own so one bad value keeps the others; and the
    keys it does not know."""
    if not isinstance(table, dict):
        wrong("canary", "must be a table of gate settings ([canary])")
        return CanaryGate(), []
    rules = {
        "min_requests": (lambda v: isinstance(v, int) and v >= 1, "must be a whole number of at least 1"),
        "max_5xx_margin": (lambda v: isinstance(v, (int, float)) and 0 <= v <= 100,
                           "must be a number of percentage points from 0 to 100"),
        "max_p99_ratio": (lambda v: isinstance(v, (int, float)) and v >= 1,
                          "must be a number of at least 1 (a multiple of the base's p99)"),
        "window_minutes": (lambda v: isinstance(v, int) and 1 <= v <= 1440,
                           "must be a whole number of minutes from 1 to 1440"),
    }
    kept: dict[str, Any] = {}
    for key, value in table.items():
        if key not in rules:
            continue
        if isinstance(value, bool) or not rules[key][0](value):
            wrong(key, rules[key][1])
        else:
            kept[key] = float(value) if key in ("max_5xx_margin", "max_p99_ratio") else value
    return CanaryGate(**kept), [key for key in table if key not in rules]


def _syntax(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib says "(at line 3, column 7)" or "(at end of document)"; both become a line number."""
    message = str(exc)
    found = re.search(r"\(at line (\d+), column \d+\)", message)
    line = int(found[1]) if found else max(1, len(text.splitlines()))
    reason = re.sub(r"\s*\(at [^)]*\)", "", message)
    return f"{path}, line {line}: {reason} (not valid TOML); using defaults"


def _line_of(text: str, key: str) -> int | str:
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(key) and stripped[len(key):].lstrip().startswith("="):
            return number
        if stripped in (f"[{key}]", f"[{key}.") or stripped.startswith(f"[{key}.") or stripped.startswith(f"[{key}]"):
            return number
    return "?"
