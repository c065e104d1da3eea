"""Input validated as AWS documents it: bad input gets a clear refusal naming the field, and no call.

The first part needs no sandbox: actions.validate (the one way numbers are read) and the actions'
refusals on stage documents built here, with hypothesis properties that any text either reads as a
finite number within range or is refused as Invalid naming its field. The second part runs the CLI
and the TUI against the sandbox's scratch region.
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions import (
    api_keys,
    cache,
    canary,
    canary_rollout,
    stage_variables,
    throttle,
    usage_plans,
    validate,
)
from actions.plan import Invalid, Target
from actions.stage_doc import StageDoc
from console.aws.errors import Problem
from console.editor import edit_in_editor
from console.model import Api, ApiDetail, Deployment, Protocol, Resource, Route

REGION = "ap-southeast-2"
NOW = datetime.now(UTC)
ODD_DIGITS = ("²", "①", "٣", "½", "𝟕")  # str.isdigit() or float() accept some of these; AWS does not


def rest_doc(variables: dict[str, str] | None = None, raw: dict | None = None) -> StageDoc:
    api = Api("r1", "shop", Protocol.REST, "REGIONAL", None, "", NOW)
    structure = ApiDetail(api, resources=(Resource("a", "/items", ("GET", "POST")),),
                          deployments=(Deployment("d1", "v1", None),))
    target = Target("123456789012", REGION, None, None, api_id="r1", api_name="shop", protocol="REST", stage="dev")
    document = {"stageName": "dev", "deploymentId": "d1",
                "methodSettings": {"*/*": {"throttlingRateLimit": 100.0, "throttlingBurstLimit": 200}},
                "variables": {"backendHost": "a.example", "logLevel": "info"} if variables is None else variables}
    return StageDoc(target, False, api, {**document, **(raw or {})}, structure)


def http_doc() -> StageDoc:
    api = Api("h1", "catalog", Protocol.HTTP, "REGIONAL", None, "", NOW)
    structure = ApiDetail(api, routes=(Route("r", "GET /items", "", "NONE"),))
    target = Target("123456789012", REGION, None, None, api_id="h1", api_name="catalog", protocol="HTTP", stage="dev")
    return StageDoc(target, False, api, {"StageName": "dev", "DefaultRouteSettings": {
        "ThrottlingRateLimit": 100.0, "ThrottlingBurstLimit": 200}, "StageVariables": {"a": "1"}}, structure)


# -- numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ODD_DIGITS)
def test_digits_of_other_scripts_are_refused_naming_the_character(text):
    for read in (lambda t: validate.rate(t, 100.0), lambda t: validate.burst(t, 200), canary.percent,
                 lambda t: usage_plans.parse_quota(f"{t}/DAY"), lambda t: usage_plans.parse_quota(f"5/WEEK/{t}"),
                 lambda t: cache.set_cache(rest_doc(), ttl=t), lambda t: validate.age("--since", f"{t}h")):
        with pytest.raises(Invalid) as refused:
            read(text)
        assert f"{text!r} (U+{ord(text):04X}" in refused.value.rule and "digits 0-9" in refused.value.rule


@pytest.mark.parametrize("text, why", [
    ("1e-300", "without an exponent"), ("1e-320", "without an exponent"), ("2E3", "without an exponent"),
    ("inf", "finite"), ("-Infinity", "finite"), ("nan", "finite"), ("-5", "must not be negative"),
    ("1 000", "must not contain spaces"), ("", "it is empty"), ("1_000", ""), ("+5", ""),
    ("9" * 50, "longer than 40"),
])
def test_numbers_are_plain_decimals_and_the_refusal_says_why(text, why):
    with pytest.raises(Invalid) as refused:
        validate.rate(text, 100.0)
    assert refused.value.field == "rate" and why in refused.value.rule
    with pytest.raises(Invalid, match="weight: must be a percentage from 0.0 to 100.0"):
        canary.percent(text)


def test_ranges_are_aws_own():
    assert validate.rate(str(validate.MAX_INT), None) == (float(validate.MAX_INT), None)
    assert validate.burst(str(validate.MAX_INT), None) == (validate.MAX_INT, None)
    for too_big in (lambda: validate.rate(str(validate.MAX_INT + 1), None),
                    lambda: validate.burst(str(validate.MAX_INT + 1), None),
                    lambda: usage_plans.parse_quota(f"{validate.MAX_INT + 1}/DAY"),
                    lambda: usage_plans.parse_quota("5/MONTH/28"),
                    lambda: cache.set_cache(rest_doc(), ttl="3601"),
                    lambda: canary.percent("100.0000001")):
        with pytest.raises(Invalid):
            too_big()
    assert usage_plans.parse_quota("2147483647/MONTH/27") == usage_plans.Quota(validate.MAX_INT, "MONTH", 27)
    assert cache.set_cache(rest_doc(), ttl="3600").postcondition[0][1] == 3600
    assert canary.percent("100") == 100.0 and canary.percent("0") == 0.0 and canary.percent("12.5%") == 12.5


def test_rounding_is_said_and_a_value_that_would_round_to_zero_is_refused():
    assert validate.rate("0.1234567", None) == (0.123457, "rate 0.1234567 rounded to 0.123457")
    assert validate.burst("x1.5", 5) == (8, "burst x1.5 of 5 (7.5) rounded to 8")
    assert validate.burst("x2", 5) == (10, None)
    for tiny in ("0.0000001", "0." + "0" * 30 + "1"):
        with pytest.raises(Invalid, match="smallest step"):
            validate.rate(tiny, None)
    with pytest.raises(Invalid, match="smallest step"):
        canary.percent(1e-320)
    assert validate.rate("0", None) == (0.0, None)  # zero itself is a rate AWS takes: no requests at all


def test_relative_values_stay_within_range():
    assert validate.rate("x1.5", 100.0)[0] == 150.0 and validate.rate("+20%", 100.0)[0] == 120.0
    assert validate.rate("-50%", 100.0)[0] == 50.0 and validate.rate("*2", 0.5)[0] == 1.0
    with pytest.raises(Invalid, match="goes below 0"):
        validate.rate("-150%", 100.0)
    with pytest.raises(Invalid, match="above 2147483647"):
        validate.burst("x99999999999999999999", 200)
    with pytest.raises(Invalid, match="needs a current value"):
        validate.rate("x2", None)
    with pytest.raises(Invalid):
        validate.rate("x1e300", 100.0)


def test_ages_are_bounded():
    assert validate.age("--since", "90s") == timedelta(seconds=90)
    assert validate.age("--since", "3650d") == timedelta(days=3650)
    for text in ("3651d", "99999999999999999999d", "2 h", "h", "2w", "-1h"):
        with pytest.raises(Invalid) as refused:
            validate.age("--since", text)
        assert refused.value.field == "--since"


NUMBERISH = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789.-+x*%eE/²①٣ infaDYWKMOTH", max_size=24),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=12).map(str),
    st.from_regex(r"\A(?:[x*][0-9]{1,25}(?:\.[0-9]{1,25})?|[+-][0-9]{1,25}(?:\.[0-9]{1,25})?%)\Z"),
)


def finite_within(value: float, low: float, high: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=NUMBERISH)
def test_any_text_reads_as_a_number_in_range_or_is_refused_naming_its_field(text):
    readers = [
        ("rate", 0, validate.MAX_RATE, lambda: validate.rate(text, 123.456)[0]),
        ("burst", 0, validate.MAX_INT, lambda: validate.burst(text, 200)[0]),
        ("weight", 0, 100, lambda: canary.percent(text)),
        ("ttl", 0, cache.MAX_TTL, lambda: dict(cache.set_cache(rest_doc(), ttl=text).postcondition)[
            ("methodSettings", "*/*", "cacheTtlInSeconds")]),
        ("quota limit", 0, validate.MAX_INT, lambda: usage_plans.parse_quota(f"{text}/DAY").limit),
        ("quota offset", 0, 27, lambda: usage_plans.parse_quota(f"5/MONTH/{text}").offset or 0),
        ("--days", 1, 90, lambda: validate.whole("--days", text, low=1, high=90, rule="days")),
        ("--since", 0, validate.MAX_AGE.total_seconds(), lambda: validate.age("--since", text).total_seconds()),
    ]
    for field, low, high, read in readers:
        try:
            value = read()
        except Invalid as refused:
            assert refused.field == field or (field.startswith("quota") and refused.field.startswith("quota")), (
                field, text, refused)
            assert str(refused).startswith(refused.field)
        else:
            assert finite_within(value, low, high), (field, text, value)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(NUMBERISH, st.lists(NUMBERISH, max_size=4).map(", ".join)))
def test_a_rollout_is_weights_in_range_or_refused(text):
    try:
        rollout = canary_rollout.parse(text)
    except Invalid as refused:
        assert refused.field in ("steps", "weight")
    else:
        weights = [s for s in rollout.steps if s != canary_rollout.PROMOTE]
        assert all(finite_within(w, 0, 100) for w in weights) and weights == sorted(set(weights))
        words = text.replace("→", ",").replace("->", ",").replace(" ", ",").split(",")
        assert all(re.fullmatch(r"[0-9]+(?:\.[0-9]+)?%?|promote", w.strip(), re.IGNORECASE) for w in words if w)


# -- the actions' refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_an_empty_method_or_route_is_refused_never_read_as_the_stage_default(blank):
    with pytest.raises(Invalid) as refused:
        throttle.set_throttle(rest_doc(), selector=blank, rate="5", burst=None)
    assert refused.value.field == "method" and "is empty" in refused.value.rule
    with pytest.raises(Invalid, match="route: is empty"):
        throttle.set_throttle(http_doc(), selector=blank, rate="5", burst=None)
    with pytest.raises(Invalid, match="method: is empty"):
        throttle.unset_throttle(rest_doc(), selector=blank)
    with pytest.raises(Invalid, match="method: is empty"):
        cache.set_cache(rest_doc(), caching=True, selector=blank)
    with pytest.raises(Invalid, match="names the override to remove"):
        throttle.unset_throttle(rest_doc(), selector=None)
    assert throttle.set_throttle(rest_doc(), selector=None, rate="5", burst=None).changes[0].label.startswith(
        "stage default")


def test_stage_variable_names_and_values_follow_the_documented_rules():
    longest = "n" * validate.MAX_VARIABLE_NAME
    plan = stage_variables.set_variables(rest_doc(), {longest: "v"})
    assert [c.label for c in plan.changes] == [f"variable {longest}"]
    with pytest.raises(Invalid, match="names have 1 to 64 characters"):
        stage_variables.set_variables(rest_doc(), {longest + "n": "v"})
    with pytest.raises(Invalid, match=r"'-' is not one of them"):
        stage_variables.set_variables(rest_doc(), {"bad-name": "v"})
    with pytest.raises(Invalid, match=r"'é' \(U\+00E9 LATIN SMALL LETTER E WITH ACUTE\) is not one of them"):
        stage_variables.set_variables(rest_doc(), {"ok": "café"})
    with pytest.raises(Invalid, match=r"' ' is not one of them"):
        stage_variables.set_variables(rest_doc(), {"ok": "two words"})
    with pytest.raises(Invalid, match="is not one of them"):
        stage_variables.set_variables(rest_doc(), {"ok": "trailing\n"})
    with pytest.raises(Invalid, match="at most 512 characters"):
        stage_variables.set_variables(rest_doc(), {"ok": "v" * 513})
    assert stage_variables.set_variables(rest_doc(), {"ok": "v" * 512}).changes[0].after == "v" * 512
    allowed = "AZaz09-._~:/?#&=,"
    assert stage_variables.set_variables(rest_doc(), {"ok": allowed}).changes[0].after == allowed
    with pytest.raises(Invalid, match="names have 1 to 64 characters"):
        canary.create(rest_doc(), weight=5, overrides={"n" * 65: "x"})


def test_an_edit_lists_each_removal_and_an_empty_one_is_refused_unless_asked():
    doc = rest_doc({"a": "1", "b": "2", "c": "3"})
    plan = stage_variables.edit(doc, stage_variables.parse_lines("a=1\n"))
    assert [(c.label, c.after) for c in plan.changes] == [("variable b", None), ("variable c", None)]
    assert "Removes 2 variables: b, c" in plan.warnings
    for empty in ("", "\n\n", "# nothing left\n"):
        with pytest.raises(stage_variables.RemovesAll) as refused:
            stage_variables.edit(doc, stage_variables.parse_lines(empty))
        assert refused.value.names == ["a", "b", "c"] and refused.value.field == "variables"
    everything = stage_variables.edit(doc, {}, remove_all=True)
    assert [c.label for c in everything.changes] == ["variable a", "variable b", "variable c"]
    assert any("Removes 3 variables: a, b, c (every variable" in w for w in everything.warnings)
    assert stage_variables.unset_variables(doc, ["a", "b", "c"]).changes == everything.changes
    assert stage_variables.edit(rest_doc({}), {"x": "1"}).warnings == ()


def test_a_rounded_canary_weight_is_said_in_the_plan():
    plan = canary.create(rest_doc(), weight="12.3456789", deployment="d1")
    assert plan.changes[1].after == 12.345679 and "weight 12.3456789 rounded to 12.345679" in plan.warnings


def test_cache_sizes_are_aws_own_however_written():
    assert cache.set_cache(rest_doc(), size="6.10").postcondition == ((("cacheClusterSize",), "6.1"),)
    assert cache.set_cache(rest_doc(), size="118.0").postcondition == ((("cacheClusterSize",), "118"),)
    for size in ("7", "²", "1e2", "-0.5"):
        with pytest.raises(Invalid) as refused:
            cache.set_cache(rest_doc(), size=size)
        assert refused.value.field == "size" and "0.5, 1.6" in refused.value.rule


def test_extending_a_quota_reads_the_number_the_same_way():
    from actions.resource_doc import ResourceDoc

    place = Target("123456789012", REGION, None, None, resource="usage-plan", resource_id="p1", resource_name="gold")
    doc = ResourceDoc(place, {"id": "p1", "name": "gold", "quota": {"limit": 100, "period": "DAY"}})
    for text in ("²", "①", "1e3", str(validate.MAX_INT + 1)):
        with pytest.raises(Invalid, match="remaining: is a whole number of requests"):
            usage_plans.extend_quota(doc, key_id="k", key_name="k", plan_keys={"k"}, remaining=5, new_remaining=text)
    assert usage_plans.extend_quota(doc, key_id="k", key_name="k", plan_keys={"k"}, remaining=5,
                                    new_remaining=" 500 ").changes[0].after == 500


# -- the API key file ------------------------------------------------------------------------------------


def test_a_quoted_csv_field_may_hold_line_breaks_commas_and_quotes():
    value_one, value_two = "a" * 24, "b" * 24
    text = (f'Name,Key,Description,Enabled\r\none,{value_one},"first line\nsecond, with ""quotes""",true\n'
            f'\n"two\nlines",{value_two},,false\n')
    rows = api_keys.parse_csv(text, plan_ids=set(), taken={})
    assert [(r.line, r.name, r.enabled) for r in rows] == [(2, "one", True), (5, "two\nlines", False)]
    assert api_keys.key_values(text) == [value_one, value_two]
    with pytest.raises(Invalid, match="line 2: is not valid CSV"):
        api_keys.parse_csv(f'Name,Key\n"one,{value_one}\n', plan_ids=set(), taken={})
    with pytest.raises(Invalid, match="line 4: Key: has 20 to 128"):
        api_keys.parse_csv(f'Name,Key,Description\none,{value_one},"a\nb"\ntwo,short,x\n', plan_ids=set(), taken={})


# -- $EDITOR ---------------------------------------------------------------------------------------------


RENAMING_EDITOR = """\
import os, sys
path = sys.argv[1]
text = open(path).read()
fresh = path + ".new"
with open(fresh, "w") as handle:  # as vim with backupcopy=no, or a JetBrains IDE, saves
    handle.write(text.replace(OLD, NEW))
os.replace(fresh, path)
"""


def renaming_editor(tmp_path, monkeypatch, old: str, new: str) -> None:
    script = tmp_path / "renaming_editor.py"
    script.write_text(f"OLD, NEW = {old!r}, {new!r}\n" + RENAMING_EDITOR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


def test_an_editor_that_saves_by_renaming_a_new_file_over_the_old_is_read(tmp_path, monkeypatch):
    renaming_editor(tmp_path, monkeypatch, "logLevel=info", "logLevel=debug")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert edit_in_editor("backendHost=a.example\nlogLevel=info\n", suffix=".env") == \
        "backendHost=a.example\nlogLevel=debug\n"
    assert [p.name for p in tmp_path.iterdir()] == ["renaming_editor.py"]  # nothing left behind


def test_an_editor_that_fails_or_cannot_start_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'raise SystemExit(3)'")
    with pytest.raises(Problem, match="exited with an error"):
        edit_in_editor("a=1\n")
    monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
    with pytest.raises(Problem, match="could not be started"):
        edit_in_editor("a=1\n")


# -- the command line ------------------------------------------------------------------------------------


@pytest.fixture
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def rest_variables(aws, api: str) -> dict[str, str]:
    return aws("apigateway", REGION).get_stage(restApiId=api, stageName="dev").get("variables", {})


@pytest.mark.usefixtures("private_journal")
def test_cli_refuses_an_empty_method_or_route(cli, scratch_apis):
    for argv in (("throttle", "set", scratch_apis["REST"], "dev", "--method", "", "--rate", "5"),
                 ("throttle", "set", scratch_apis["HTTP"], "dev", "--route", " ", "--rate", "5"),
                 ("throttle", "unset", scratch_apis["REST"], "dev", "--method", ""),
                 ("cache", "set", scratch_apis["REST"], "dev", "--method", "", "--caching", "on")):
        code, out, err = cli(*argv, "--dry-run")
        assert code == 2 and "is empty; name one" in err and "aws apigateway" not in out, argv
        assert ("leave it out" in err) == (argv[1] == "set"), err


@pytest.mark.usefixtures("private_journal")
@pytest.mark.parametrize("argv, said", [
    (("cache", "set", "{REST}", "dev", "--ttl", "²"), "ttl: is a whole number of seconds from 0 to 3600; '²'"),
    (("plans", "create", "never-made", "--quota", "²/DAY"), "quota limit: is a whole number of requests"),
    (("usage", "no-such-plan", "--days", "①"), "--days: is a whole number of days from 1 to 90; '①'"),
    (("throttle", "set", "{REST}", "dev", "--rate", "1e-300"), "rate: must be a non-negative number"),
    (("throttle", "set", "{REST}", "dev", "--rate", "٣"), "is not one of the digits 0-9"),
    (("throttle", "set", "{REST}", "dev", "--burst", "x1e9"), "burst: must be a non-negative number"),
    (("canary", "status", "{REST}", "dev", "--minutes", "٣"), "--minutes: must be a whole number of minutes"),
    (("canary", "create", "{REST}", "dev", "--percent", "1e-320"), "without an exponent"),
    (("audit", "--since", "99999999999999d"), "--since: a number and a unit"),
    (("logs", "{REST}", "dev", "--since", "99999999999999d"), "--since: a number and a unit"),
])
def test_cli_refuses_numbers_aws_would_not_take_with_no_traceback(cli, scratch_apis, argv, said):
    argv = tuple(a.format(**scratch_apis) for a in argv)
    code, out, err = cli(*argv, *(("--dry-run",) if argv[0] in ("cache", "plans", "throttle") else ()))
    assert code == 2 and said in err and "Traceback" not in err + out and "aws apigateway" not in out


@pytest.mark.usefixtures("private_journal")
def test_cli_creates_a_key_whose_value_comes_from_standard_input_or_a_file(cli, aws, made, unique, tmp_path,
                                                                           monkeypatch, capsys):
    apigw = aws("apigateway", REGION)
    name, value = unique("stdin-key"), unique("stdin-value-0123456789")
    monkeypatch.setattr(sys, "stdin", io.StringIO(value + "\n"))
    code, out, err = cli("keys", "create", name, "--value-file", "-", "--yes", "--output", "json")
    assert code == 0, err
    key_id = json.loads(out)["key"]["id"]
    made.append(("key", key_id))
    assert apigw.get_api_key(apiKey=key_id, includeValue=True)["value"] == value and value not in out + err
    from_file, other = tmp_path / "value.txt", unique("file-value-0123456789")
    from_file.write_text(other + "\r\n")
    code, out, _ = cli("keys", "create", unique("file-key"), "--value-file", str(from_file), "--yes",
                       "--output", "json")
    made.append(("key", json.loads(out)["key"]["id"]))
    assert code == 0 and apigw.get_api_key(apiKey=made[-1][1], includeValue=True)["value"] == other
    from_file.write_text(f"{other}\nsecond-line-of-secrets\n")
    code, _, err = cli("keys", "create", unique("two-lines"), "--value-file", str(from_file), "--yes")
    assert code == 2 and "holds one line" in err and other not in err
    with pytest.raises(SystemExit):
        cli("keys", "create", unique("both"), "--value-file", "-", "--value", value, "--yes")
    assert "not allowed with argument" in capsys.readouterr().err
    from console.cli.parser import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["keys", "create", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--value-file FILE" in shown and "visible to other users of this machine" in shown


@pytest.mark.usefixtures("private_journal")
def test_cli_vars_edit_reads_what_an_editor_saved_by_rename(cli, scratch_apis, aws, tmp_path, monkeypatch):
    api = scratch_apis["REST"]
    renaming_editor(tmp_path, monkeypatch, "logLevel=info", "logLevel=trace")
    code, _, err = cli("vars", "edit", api, "dev", "--yes")
    assert code == 0, err
    assert rest_variables(aws, api)["logLevel"] == "trace"
    assert cli("undo", "--yes")[0] == 0 and rest_variables(aws, api)["logLevel"] == "info"


@pytest.mark.usefixtures("private_journal")
def test_cli_vars_edit_refuses_an_emptied_buffer_and_says_how(cli, scratch_apis, aws, tmp_path, monkeypatch):
    api = scratch_apis["REST"]
    before = rest_variables(aws, api)
    script = tmp_path / "emptying_editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'w').close()\n")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    code, _, err = cli("vars", "edit", api, "dev", "--yes")
    said = " ".join(err.split())
    assert code == 2 and "remove every variable" in said and f"vars unset {api} dev" in said
    assert all(name in said for name in before) and rest_variables(aws, api) == before


@pytest.mark.usefixtures("private_journal")
def test_cli_vars_refuses_long_names_and_names_the_refused_character(cli, scratch_apis, aws):
    api = scratch_apis["REST"]
    before = rest_variables(aws, api)
    code, _, err = cli("vars", "set", api, "dev", "n" * 65 + "=1", "--yes")
    assert code == 2 and "names have 1 to 64 characters" in err
    code, _, err = cli("vars", "set", api, "dev", "ok=a;b", "--yes")
    assert code == 2 and "';' is not one of them" in err
    assert rest_variables(aws, api) == before


@pytest.mark.usefixtures("private_journal")
def test_cli_imports_a_key_file_whose_quoted_field_holds_a_line_break(cli, unique, tmp_path, monkeypatch):
    prefix = unique("csv-newline")
    text = (f'Name,Key,Description\n{prefix}-1,{unique("csv-value-aaaaaaaaaaaa")},"for the\nmobile app"\n'
            f'{prefix}-2,{unique("csv-value-bbbbbbbbbbbb")},plain\n')
    path = tmp_path / "keys.csv"
    path.write_text(text)
    code, out, err = cli("keys", "import", str(path), "--dry-run", "--output", "json")
    assert code == 0, err
    changes = json.loads(out)["steps"][0]["plan"]["changes"]
    assert [c["label"] for c in changes] == [f"key {prefix}-1 (line 2)", f"key {prefix}-2 (line 4)"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, out, err = cli("keys", "import", "-", "--dry-run", "--output", "json")
    assert code == 0 and json.loads(out)["steps"][0]["plan"]["target"]["resource_name"] == \
        "2 keys from standard input", err


# -- the TUI ----------------------------------------------------------------------------------------------


async def test_the_variables_form_asks_before_an_empty_buffer_removes_every_variable(
        sandbox, scratch_apis, aws, private_journal):
    from screen_helpers import SIZE, connected, plain, until
    from textual.widgets import Static, TextArea

    from console.aws.session import Target as Where
    from screens.app import ConsoleApp
    from screens.confirm import ConfirmScreen
    from screens.forms import VariablesForm
    from screens.stage import StageScreen

    api = scratch_apis["REST"]
    before = rest_variables(aws, api)
    app = ConsoleApp(Where(endpoint_url=sandbox.url, region=REGION))
    async with app.run_test(size=SIZE) as pilot:
        await connected(pilot)
        found = next(a for a in app.gateway.apis() if a.id == api)
        await app.push_screen(StageScreen(found, "dev"))
        await until(pilot, lambda: app.screen.stage is not None, "the stage")
        await pilot.press("v")
        form = app.screen
        assert isinstance(form, VariablesForm)
        form.query_one(TextArea).text = ""
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Remove them all?" in plain(form.query_one("#error", Static).content),
                    "the question")
        assert app.screen is form
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the plan")
        plan = app.screen.plan
        assert sorted(c.label for c in plan.changes) == sorted(f"variable {n}" for n in before)
        assert any(w.startswith(f"Removes {len(before)} variables") for w in plan.warnings)
        await pilot.press("n")
        assert app.screen is form
    assert rest_variables(aws, api) == before
