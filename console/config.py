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
    [profiles.prod-admin]
    write = true                            # this profile may change things without --write
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_path

APP = "apigw-console"


def config_path() -> Path:
    override = os.environ.get("APIGW_CONSOLE_CONFIG")
    return Path(override) if override else user_config_path(APP) / "config.toml"


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
    if isinstance(stages, list) and all(isinstance(s, str) for s in stages):
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
    writable = set()
    for name, profile in (data.get("profiles") or {}).items():
        allowed = profile.get("write", False) if isinstance(profile, dict) else None
        if isinstance(allowed, bool):
            if allowed:
                writable.add(name)
        else:
            wrong("write", f"of profile '{name}' must be true or false")
    unknown = set(data) - {"protected_stages", "budget", "profiles", "region", "theme", "refresh_seconds", "keymap"}
    problems += [f"{path}, line {_line_of(text, key)}: unknown key '{key}' ignored" for key in sorted(unknown)]
    return Settings(**values, writable_profiles=frozenset(writable), source=path, problems=tuple(problems))


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
