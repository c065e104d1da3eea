"""--output text and --query as the AWS CLI has them: text is tab-separated with a stable column order,
--query is JMESPath over the JSON answer, on every read command; --no-color and NO_COLOR."""

from __future__ import annotations

import json
import re

import pytest

from console.cli.answer import text_lines


def test_text_is_tab_separated_in_a_stable_column_order():
    rows = [{"name": "shop", "id": "r1", "tags": {"team": "pay"}}, {"id": "h1", "name": "cat", "endpoint": None}]
    assert text_lines(rows) == ["None\tr1\tshop", "TAGS\tpay", "None\th1\tcat"]
    assert text_lines(["a", "b"]) == ["a\tb"]
    assert text_lines({"enabled": True, "count": 3}) == ["3\tTrue"]
    assert text_lines("a\tb\nc") == ["a b c"]  # a value never splits a line or a column


def test_every_read_command_takes_query_and_text(cli, scratch_apis):
    api = scratch_apis["REST"]
    code, out, _ = cli("apis", "--output", "json")
    apis = json.loads(out)
    code, out, _ = cli("apis", "--query", "[].id", "--output", "json")
    assert code == 0 and json.loads(out) == [a["id"] for a in apis]
    code, out, _ = cli("apis", "--query", "[].id", "--output", "text")
    assert out.splitlines() == ["\t".join(a["id"] for a in apis)]
    code, out, _ = cli("apis", "--output", "text")
    assert code == 0 and all(a["id"] in out for a in apis) and "\t" in out
    code, out, _ = cli("stage", api, "dev", "--query", "stage.name")
    assert code == 0 and out.strip() == "dev"  # a query's result without --output prints as text
    code, out, _ = cli("vars", "show", api, "dev", "--output", "text", "--query", "keys(@)")
    assert code == 0 and "\n" not in out.strip()
    code, _, err = cli("apis", "--query", "[?")
    assert code == 2 and "--query" in err and "JMESPath" in err


COLOUR = re.compile(r"\x1b\[[0-9;]*?(?:3[0-79]|9[0-7]|38;[0-9;]+)m")  # a foreground colour (bold is no colour)


@pytest.mark.parametrize("how", ["--no-color", "NO_COLOR"])
def test_no_color(cli, how, monkeypatch, scratch_apis):
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal that takes colour, but the operator said no
    monkeypatch.setenv("NO_COLOR", "1")  # recorded as it was, so that what --no-color sets is undone after
    monkeypatch.delenv("NO_COLOR")
    code, out, _ = cli("stage", scratch_apis["REST"], "dev")
    assert code == 0 and COLOUR.search(out)  # the section rules are cyan
    if how == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    code, out, _ = cli("stage", scratch_apis["REST"], "dev", *([how] if how.startswith("--") else []))
    assert code == 0 and "dev" in out and not COLOUR.search(out)


def test_the_aws_command_of_a_plan_is_one_whole_line(cli, scratch_apis, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    args = ("vars", "set", scratch_apis["REST"], "dev", "longer_than_a_narrow_terminal=" + "x" * 60, "--dry-run")
    line = json.loads(cli(*args, "--output", "json")[1])["plan"]["aws_cli"]
    assert len(line) > 80
    code, out, _ = cli(*args)
    assert code == 0 and line in out.splitlines()


def test_the_offline_and_doctor_reads_take_query_and_text(cli, capsys):
    from console.cli import main

    assert main(["info", "--output", "text", "--query", "\"audit journal (writes)\""]) == 0
    assert capsys.readouterr().out.strip().endswith("audit.jsonl")
    assert main(["profiles", "--output", "text"]) == 0
    code, out, _ = cli("doctor", "--query", "checks[?allowed].operation", "--output", "text")
    assert code == 0 and "GetRestApis" in out.split("\t")
