"""A percentile computed from log lines says how many lines it comes from, and below one rule's minimum it
is a count, not a percentile: the live charts, the top routes and the canary comparison alike."""

from __future__ import annotations

from datetime import UTC, datetime

from screen_helpers import plain

from console.logs.access_log import Facts
from console.logs.stats import Rollup, enough, min_lines
from console.read import canary_compare
from console.read.canary_compare import CloudWatchFigures, Comparison, Side
from console.read.pulse import Span
from console.render.canary import comparison_table, notes_text
from screens.charts import complete_points, latency_step, lines_note

START = 1_790_000_000  # epoch s, on a minute


def test_one_rule_for_every_percentile_of_log_lines():
    assert (min_lines(50), min_lines(90), min_lines(99), min_lines(99.9)) == (30, 30, 100, 1000)
    assert (canary_compare.MIN_SAMPLE, canary_compare.MIN_P99_SAMPLE) == (min_lines(50), min_lines(99))
    assert enough(100, 99) and not enough(99, 99) and enough(30, 50) and not enough(29, 50)


def rollup_with(per_route: dict[str, int]) -> Rollup:
    """`n` lines a route, all in the first ten seconds, latencies 1..n ms."""
    rollup = Rollup(window=900)
    for route, n in per_route.items():
        for i in range(n):
            rollup.add(Facts(200, float(i + 1), route, "GET"), (START + i % 10) * 1000)
    return rollup


def test_a_chart_step_has_percentiles_only_of_enough_lines_and_says_how_many():
    few, more = rollup_with({"/a": 50}), rollup_with({"/a": 120})
    (point,) = few.points(START + 9, 10, 10)
    assert point.timed == 50 and point.p50 is not None and point.p90 is not None and point.p99 is None
    (point,) = more.points(START + 9, 10, 10)
    assert point.timed == 120 and point.p99 is not None
    (point,) = rollup_with({"/a": 12}).points(START + 9, 10, 10)
    assert point.timed == 12 and (point.p50, point.p90, point.p99) == (None, None, None)
    assert lines_note(120) == "from 120 lines"
    assert lines_note(50) == "from 50 lines, p99 needs 100"
    assert lines_note(12) == "from 12 lines: too few (<30)" and lines_note(0) == "no timed lines"


def test_top_routes_by_p99_rank_only_routes_with_enough_lines():
    rollup = rollup_with({"/busy": 150, "/rare": 40})
    stats = {s.route: s for s in rollup.routes(START + 60, 300)}
    assert stats["/rare"].timed == 40 and stats["/rare"].p99 is None  # its p99 would be its slowest line
    assert stats["/busy"].timed == 150 and stats["/busy"].p99 is not None
    assert [s.route for s in rollup.top_routes(START + 60, 300, "p99")] == ["/busy"]


def test_the_canary_comparison_says_its_windows_and_the_lines_under_each_percentile():
    end = datetime.fromtimestamp(START + 42, UTC)
    base = Side(requests=300, latencies=tuple(float(i) for i in range(1, 251)))
    canary = Side(requests=60, latencies=tuple(float(i) for i in range(1, 51)))
    window = Span(datetime.fromtimestamp(START - 300, UTC), datetime.fromtimestamp(START, UTC))
    cloudwatch = CloudWatchFigures("stage (Stage=prod)", (("ApiName", "a"), ("Stage", "prod")), 360, 0, 0, 12, 240)
    comparison = Comparison("a", "prod", 5, datetime.fromtimestamp(START - 258, UTC), end, base, canary,
                            (cloudwatch,), (), window)
    shown = plain(comparison_table(comparison))
    assert f"CW {window.label}" in shown
    assert f"the complete minutes {window.label}" in " ".join(plain(notes_text(comparison)).split())
    assert "250 lines" in shown and "50 lines" in shown  # what each log column's percentiles come from
    assert "too few (50<100)" in shown  # the canary's p99: a count, not a percentile
    assert comparison.as_dict()["canary"]["latency_samples"] == 50
    assert comparison.as_dict()["cloudwatch_window"] == {"start": window.start.isoformat(),
                                                         "end": window.end.isoformat()}


def test_the_live_chart_draws_complete_steps_and_percentiles_over_steps_long_enough():
    rollup = rollup_with({"/a": 10})  # lines in the ten seconds from START
    end, points = complete_points(rollup, START + 7, 300, 5)  # START+5 .. +9 is running
    assert end == START + 5 and points[-1].start == START and sum(p.timed for p in points) == 5
    assert latency_step(timed=3_000, span=300, step=5) == 10  # 10 lines a second: 100 in ten seconds
    assert latency_step(timed=600, span=300, step=5) == 60  # 2 a second: a minute
    assert latency_step(timed=20, span=300, step=5) == 60  # never longer than a minute: a quiet stage has gaps
    assert latency_step(timed=20, span=900, step=120) == 120  # nor shorter than the chart's step
