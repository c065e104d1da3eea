"""Every shape of mistake in config.toml is named (file, line, key, what it must be) and the default
stands in: wrong types at any level, numbers out of range, unknown keys. Never a traceback."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.config import CanaryGate, Settings, load

# -- writing TOML (the standard library only reads it) -------------------------------------------------


def toml_string(text: str) -> str:
    escaped = []
    for c in text:
        if c in '"\\':
            escaped.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            escaped.append(f"\\u{ord(c):04x}")
        else:
            escaped.append(c)
    return '"' + "".join(escaped) + '"'


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def document(top: dict, tables: dict[str, dict]) -> str:
    """Top-level keys first, then each table under its own header (so lines can be found)."""
    lines = [f"{toml_string(k)} = {toml_value(v)}" for k, v in top.items()]
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-.", min_size=1, max_size=12)
SCALARS = {
    "string": st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    "int": st.integers(min_value=-2**63, max_value=2**63 - 1),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "bool": st.booleans(),
    "datetime": st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0)),
    "date": st.dates(),
}
NESTED = {
    "list": st.lists(st.one_of(*SCALARS.values()), max_size=3),
    "table": st.dictionaries(KEY, st.one_of(*SCALARS.values()), max_size=3),
}
KINDS = {**SCALARS, **NESTED}


def other_than(*allowed: str):
    """A TOML value of any kind but these."""
    return st.one_of(*(strategy for kind, strategy in KINDS.items() if kind not in allowed))


# key path -> (a value of a wrong type, the Settings field that must keep its default)
WRONG_TYPES = {
    ("protected_stages",): (other_than("list"), "protected_stages"),
    ("region",): (other_than("string"), "region"),
    ("theme",): (other_than("string"), "theme"),
    ("refresh_seconds",): (other_than("int"), "refresh_seconds"),
    ("keymap",): (other_than("table"), "keymap"),
    ("budget",): (other_than("table"), None),
    ("budget", "rate"): (other_than("int", "float"), "budget_rate"),
    ("budget", "burst"): (other_than("int"), "budget_burst"),
    ("canary",): (other_than("table"), "canary"),
    ("canary", "min_requests"): (other_than("int"), None),
    ("canary", "max_5xx_margin"): (other_than("int", "float"), None),
    ("canary", "max_p99_ratio"): (other_than("int", "float"), None),
    ("canary", "window_minutes"): (other_than("int"), None),
    ("profiles",): (other_than("table"), "writable_profiles"),
    ("profiles", "ops"): (other_than("table"), "writable_profiles"),
    ("profiles", "ops", "write"): (other_than("bool"), "writable_profiles"),
}


@st.composite
def mistaken_documents(draw):
    """A document with a wrong type at some keys (and right values elsewhere); the wrong key paths."""
    chosen = draw(st.lists(st.sampled_from(sorted(WRONG_TYPES)), min_size=1, max_size=6, unique=True))
    wrong = {}
    for path in sorted(chosen):  # a table before its keys
        if any(path[:n] in wrong for n in range(1, len(path))):
            continue  # its table is wrong already: the key cannot be there
        wrong[path] = draw(WRONG_TYPES[path][0])
    top: dict = {}
    tables: dict[str, dict] = {}
    for path, value in wrong.items():
        if len(path) == 1 and path[0] not in ("budget", "canary", "profiles"):
            top[path[0]] = value
        elif len(path) == 1:
            top[path[0]] = value  # a table's name given another type
        elif len(path) == 2 and path[0] in ("budget", "canary"):
            tables.setdefault(path[0], {})[path[1]] = value
        elif path == ("profiles", "ops"):
            tables.setdefault("profiles", {})["ops"] = value
        else:
            tables.setdefault("profiles.ops", {})["write"] = value
    return document(top, tables), wrong


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mistaken_documents())
def test_a_wrong_type_at_any_key_is_named_and_the_default_stands(tmp_path_factory, case):
    text, wrong = case
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_text(text, encoding="utf-8")
    loaded = load(path)  # never raises
    assert isinstance(loaded, Settings), text
    defaults = Settings()
    for key_path in wrong:
        leaf = key_path[-1]
        named = [p for p in loaded.problems if f"'{leaf}'" in p and str(path) in p]
        assert named, (text, key_path, loaded.problems)
        assert all("line " in p for p in named), (text, loaded.problems)
        field = WRONG_TYPES[key_path][1]
        if field is not None:
            assert getattr(loaded, field) == getattr(defaults, field), (text, key_path)
        if key_path[0] == "canary" and len(key_path) == 2:
            assert getattr(loaded.canary, leaf) == getattr(CanaryGate(), leaf)


OUT_OF_RANGE = {
    ("budget", "rate"): st.one_of(st.floats(max_value=0.0999, allow_nan=False), st.floats(min_value=1000.001),
                                  st.sampled_from([1e-300, 5e-324, math.inf, -math.inf, math.nan]),
                                  st.integers(min_value=-2**63, max_value=0),
                                  st.integers(min_value=1001, max_value=2**63 - 1)),
    ("budget", "burst"): st.one_of(st.integers(min_value=-2**63, max_value=0),
                                   st.integers(min_value=1001, max_value=2**63 - 1)),
    ("refresh_seconds",): st.one_of(st.integers(min_value=-2**63, max_value=-1),
                                    st.integers(min_value=86401, max_value=2**63 - 1)),
    ("canary", "min_requests"): st.one_of(st.integers(min_value=-2**63, max_value=0),
                                          st.integers(min_value=10**9 + 1, max_value=2**63 - 1)),
    ("canary", "max_5xx_margin"): st.one_of(st.floats(max_value=-0.001), st.floats(min_value=100.001),
                                            st.sampled_from([math.nan, math.inf])),
    ("canary", "max_p99_ratio"): st.one_of(st.floats(max_value=0.999), st.floats(min_value=1000.001),
                                           st.sampled_from([math.nan, math.inf])),
    ("canary", "window_minutes"): st.one_of(st.integers(min_value=-2**63, max_value=0),
                                            st.integers(min_value=1441, max_value=2**63 - 1)),
}


@settings(max_examples=200, deadline=None)
@given(key_path=st.sampled_from(sorted(OUT_OF_RANGE)), data=st.data())
def test_a_number_out_of_range_is_named_and_the_default_stands(tmp_path_factory, key_path, data):
    value = data.draw(OUT_OF_RANGE[key_path])
    if len(key_path) == 1:
        text = document({key_path[0]: value}, {})
    else:
        text = document({}, {key_path[0]: {key_path[1]: value}})
    path = tmp_path_factory.mktemp("config") / "config.toml"
    path.write_text(text)
    loaded = load(path)
    line = 1 if len(key_path) == 1 else 2
    assert [p.split(": ", 1)[0] for p in loaded.problems] == [f"{path}, line {line}"], loaded.problems
    assert f"'{key_path[-1]}' must be" in loaded.problems[0] and "using the default" in loaded.problems[0]
    assert loaded.budget_rate == 10.0 and loaded.budget_burst == 40 and loaded.refresh_seconds == 0
    assert loaded.canary == CanaryGate()


def test_the_mistakes_a_new_user_made(tmp_path):
    path = tmp_path / "config.toml"
    for text, said in (
        ("profiles = 1\n", "line 1: 'profiles' must be a table of profiles"),
        ("[budget]\nrate = 1e-300\n", "line 2: 'rate' must be a number from 0.1 to 1000"),
        ("budget = 5\n", "line 1: 'budget' must be a table"),
        ("budget.rate = inf\n", "line 1: 'rate' must be a number from 0.1 to 1000"),
        ("[profiles]\nops = true\n", "line 2: 'ops' in [profiles] must be a table"),
        ('[profiles."prod.admin"]\nwrite = "yes"\n', "line 2: 'write' of profile 'prod.admin' must be true or false"),
        ("[profiles.ops]\nwrite = true\nread = 1\n", "line 3: unknown key 'read' in [profiles.ops] ignored"),
        ("[budget]\nrate = 5\nspeed = 1\n", "line 3: unknown key 'speed' in [budget] ignored"),
        ('keymap = { "stage.throttle" = 7, "stage.variables" = "V" }\n', "line 1: 'stage.throttle' in [keymap] must be"),
        ("canary = [1]\n", "line 1: 'canary' must be a table"),
    ):
        path.write_text(text)
        loaded = load(path)
        assert any(p == f"{path}, {said}" or p.startswith(f"{path}, {said}") for p in loaded.problems), (
            text, loaded.problems)
    path.write_text('keymap = { "stage.throttle" = 7, "stage.variables" = "V" }\n[profiles.ops]\nwrite = true\n')
    loaded = load(path)
    assert loaded.keymap == (("stage.variables", "V"),) and loaded.writable_profiles == {"ops"}
    path.write_bytes(b'region = "eu-west-1"\ntheme = "\xff"\n')
    assert load(path).problems == (f"{path}, line 2: is not UTF-8 text (TOML must be); using defaults",)
    path.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    assert load(path).problems  # too deep to read, said, not raised
