"""Runbook files: validated whole before anything runs, each mistake named with its file and line."""

from __future__ import annotations

import pytest

from console.runbook.format import RunbookInvalid, key_lines, parse
from console.runbook.library import bundled, find

HEAD = '''name = "t"
summary = "a test runbook"

[params.api]
type = "api"
default = "orders-api"

[params.stage]
type = "stage"
default = "prod"

[params.factor]
type = "number"
default = 2
min = 1
max = 5
'''  # 16 lines: the first step below is on line 17


def steps(text: str) -> str:
    return HEAD + text


CASES = [
    # (runbook text, line, words the error says)
    (steps('[[steps]]\nplan = "throttle.sett"\n'), 18, "unknown action 'throttle.sett'"),
    (steps('[[steps]]\ncheck = "pct_429 > 5"\n\n[[steps]]\nplan = "cache.flush"\nrate = 3\n'), 22,
     "unknown field 'rate' for action cache.flush"),
    (steps('[[steps]]\nplan = "throttle.set"\nrate_factor = "{factr}"\nmax_rate = 10\n'), 17,
     "{factr} names no parameter"),
    (steps('[[steps]]\nplan = "throttle.set"\nrate_factor = 2\n'), 19, "`rate_factor` needs `max_rate`, its bound"),
    (steps('[[steps]]\nplan = "throttle.set"\nrate = 20\nrate_factor = 2\nmax_rate = 50\n'), 20,
     "`rate` and `rate_factor` exclude each other"),
    (steps('[[steps]]\nplan = "canary.weight"\npercent = 150\n'), 19, "150 is outside 0..100"),
    (steps('[[steps]]\ncheck = "pct_249 > 5"\n'), 18, "unknown figure 'pct_249'"),
    (steps('[[steps]]\ncheck = "pct_429 >> 5"\n'), 18, "'> 5' is neither a number"),
    (steps('[[steps]]\ncheck = "pct_429 above 5"\n'), 18, "a condition reads FIGURE OP VALUE"),
    (steps('[[steps]]\nwait_until = "p99_ms < {limit}"\n'), 18, "{limit} is not a number parameter"),
    (steps('[[steps]]\nwait_until = "p99_ms < 800"\npoll = "often"\n'), 19, "poll is a number"),
    (steps('[[steps]]\ncheck = "pct_5xx > 1"\nwindow = 3\nfor_minutes = 2\n'), 20,
     "`window` and `for_minutes` exclude each other"),
    (steps('[[steps]]\ncheck = "pct_5xx > 1"\nconfirm = "sure?"\n'), 17, "exactly one of check, plan"),
    (steps('[[steps]]\nconfirm = "sure?"\ncolour = "red"\n'), 19, "unknown field 'colour' for a confirm step"),
    (steps('[[steps]]\nplan = "throttle.set"\nrate_factor = "{stage}"\nmax_rate = 9\n'), 19,
     "rate_factor is a number; {stage} is a stage"),
    (steps('[[steps]]\nplan = "variables.set"\nvalues = { a = 1 }\n'), 19, "values is a table of strings"),
    (steps('[[steps]]\nplan = "key.disable"\n'), 17, "key.disable needs `key`"),
    (HEAD.replace("min = 1", "min = 9") + '[[steps]]\nconfirm = "x"\n', 15, "min 9 is above max 5"),
    (HEAD.replace("default = 2", "default = 7") + '[[steps]]\nconfirm = "x"\n', 14, "default 7: 7 is outside 1..5"),
    (HEAD.replace('type = "api"', 'type = "url"') + '[[steps]]\nconfirm = "x"\n', 5, "type is one of api, stage"),
    (HEAD.replace("max = 5\n", "") + '[[steps]]\nconfirm = "x"\n', 13, "a number needs both bounds"),
    (HEAD + 'colour = "red"\n', 17, "unknown key 'colour' in parameter 'factor'"),
    ('summary = "s"\n[[steps]]\nconfirm = "x"\n', 1, "`name` is required"),
    ('name = "n"\nsummary = "s"\nowner = "me"\n', 3, "unknown key 'owner'"),
    ('name = "n"\nsummary = "s"\n', 1, "at least one [[steps]]"),
    ('name = "n"\nsummary = "s"\n[[steps]\nconfirm = "x"\n', 3, "not TOML"),
    ('name = "n"\nsummary = "s"\n[[steps]]\ncheck = "pct_5xx > 1"\n', 3, "reads a stage, but has no `api`"),
]


@pytest.mark.parametrize(("text", "line", "words"), CASES, ids=[c[2][:40] for c in CASES])
def test_a_mistake_is_named_with_its_file_and_line(text, line, words):
    with pytest.raises(RunbookInvalid) as refused:
        parse(text, "book.toml")
    found = [p for p in refused.value.problems if words in p]
    assert found, refused.value.problems
    assert found[0].startswith(f"book.toml:{line}: "), found[0]


def test_every_mistake_is_reported_at_once():
    text = steps('[[steps]]\nplan = "nope"\n\n[[steps]]\ncheck = "nope > 1"\n')
    with pytest.raises(RunbookInvalid) as refused:
        parse(text, "book.toml")
    assert [p.split(":")[1] for p in refused.value.problems] == ["18", "21"]


def test_a_multi_line_value_hides_no_key_and_makes_none():
    lines = key_lines('a = [\n  "x = 1",\n]\nb = 2\n[[steps]]\nc = """\nd = 3\n"""\n[[steps]]\ne = 1\n')
    assert lines[("a",)] == 1 and lines[("b",)] == 4
    assert lines[("steps", 0, "c")] == 6 and ("steps", 0, "d") not in lines
    assert lines[("steps", 1, "e")] == 10


def test_parameters_are_typed_and_bounded_and_substituted():
    book = parse(steps('[[steps]]\nplan = "throttle.set"\nrate_factor = "{factor}"\nmax_rate = 100\n'
                       '[[steps]]\nconfirm = "Raise {api} {stage} x{factor}?"\n'), "book.toml")
    values = book.values({"factor": "3"})
    assert values == {"api": "orders-api", "stage": "prod", "factor": 3.0}
    bound = book.bind(values)
    assert bound[0].fields["rate_factor"] == 3.0
    assert bound[1].subject == "Raise orders-api prod x3?"
    with pytest.raises(RunbookInvalid) as refused:
        book.values({"factor": "6", "colour": "red"})
    assert refused.value.problems == [
        "--param colour: t has no parameter 'colour' (it has: api, stage, factor)",
        "--param factor=6: 6 is outside 1..5",
    ]
    with pytest.raises(RunbookInvalid, match="--param factor=lots: 'lots' is not a number"):
        book.values({"factor": "lots"})


def test_a_field_out_of_bounds_through_a_parameter_is_refused_before_anything_runs():
    book = parse(HEAD.replace("max = 5", "max = 500") + '[[steps]]\nplan = "throttle.set"\n'
                 'rate_factor = "{factor}"\nmax_rate = 100\n', "book.toml")
    with pytest.raises(RunbookInvalid, match=r"book.toml:19: rate_factor 200 is outside 0.01..100"):
        book.bind(book.values({"factor": "200"}))


def test_every_bundled_runbook_is_valid_and_found_by_name():
    names = set(bundled())
    assert {"throttle-storm", "bad-canary", "stale-cache", "expired-keys", "key-rotation"} <= names
    for name in names:
        book = find(name)
        assert book.name == name
        book.bind(book.values({"key": "k"} if name == "key-rotation" else {}))


def test_an_unknown_name_says_which_runbooks_there_are():
    with pytest.raises(RunbookInvalid, match="no bundled runbook of that name .bundled: bad-canary"):
        find("throttle-strom")
