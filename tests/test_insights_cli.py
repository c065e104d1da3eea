"""`apigw-console logs insights API STAGE QUERY` over the seeded estate (queries only read), and the query
runner beneath it: the window sent is the window reported, the rows and figures are CloudWatch's, and
a query that cannot run is a clear error with the usage exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from console.aws.local import REGION
from console.cli import main
from console.logs.insights import Abandoned, Insights, insights_budget
from console.sandbox.fidelity import logs_insights

GROUP = "/aws/apigateway/orders-api/prod/access"


@pytest.fixture(autouse=True)
def private_journal(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture(scope="module")
def window(sandbox) -> tuple[datetime, datetime]:
    """The last hour of the seeded history, to a minute ago: the tests' sandbox has no live traffic, so
    nothing lands in it while the tests read it."""
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    return end - timedelta(hours=1), end


def run(sandbox, capsys, *words: str) -> tuple[int, str, str]:
    code = main(["--endpoint-url", sandbox.url, "--region", REGION, *words])
    out, err = capsys.readouterr()
    return code, out, err


def lines_in(aws, start: datetime, end: datetime) -> int:
    """FilterLogEvents' count of the group's lines in [start, end] (end's whole second included)."""
    client, count, token = aws("logs", REGION), 0, None
    while True:
        page = client.filter_log_events(logGroupName=GROUP, startTime=int(start.timestamp() * 1000),
                                        endTime=int(end.timestamp() * 1000) + 999, **({"nextToken": token} if token else {}))
        count += len(page["events"])
        token = page.get("nextToken")
        if not token:
            return count


def test_json_answers_the_rows_the_window_sent_and_what_was_scanned(sandbox, capsys, aws, window):
    start, end = window
    code, out, _ = run(sandbox, capsys, "logs", "insights", "orders-api", "prod",
                       "stats count(*) as requests by bin(1h)", "--since", start.isoformat(),
                       "--until", end.isoformat(), "--output", "json")
    assert code == 0
    answer = json.loads(out)
    truth = lines_in(aws, start, end)
    assert truth > 0
    assert (answer["start"], answer["end"], answer["log_group"]) == (start.isoformat(), end.isoformat(), GROUP)
    assert answer["status"] == "Complete" and answer["columns"] == ["bin(1h)", "requests"]
    assert sum(int(row["requests"]) for row in answer["results"]) == truth
    assert answer["statistics"]["records_scanned"] == truth == answer["statistics"]["records_matched"]


def test_text_with_a_jmespath_query_feeds_a_shell(sandbox, capsys, aws, window):
    start, end = window
    code, out, _ = run(sandbox, capsys, "logs", "insights", "orders-api", "prod", "stats count(*) as n",
                       "--since", start.isoformat(), "--until", end.isoformat(), "--output", "text",
                       "--query", "results[0].n")
    assert code == 0 and out == f"{lines_in(aws, start, end)}\n"


def test_the_table_says_the_window_and_the_records_matched_of_those_scanned(sandbox, capsys, window):
    start, end = window
    code, out, _ = run(sandbox, capsys, "logs", "insights", "orders-api", "prod",
                       "fields @timestamp, status, resourcePath | sort @timestamp asc", "--limit", "3",
                       "--since", start.isoformat(), "--until", end.isoformat())
    assert code == 0
    text = " ".join(out.split())
    assert f"{start:%Y-%m-%d %H:%M:%S} → {end:%Y-%m-%d %H:%M:%S} UTC" in text
    assert "3 rows;" in text and "records matched of" in text
    assert text.count(f"{start:%Y-%m-%d} ") >= 3 and "resourcePath" in text


def test_a_query_the_endpoint_cannot_run_is_a_usage_error_naming_what(sandbox, capsys):
    code, out, err = run(sandbox, capsys, "logs", "insights", "orders-api", "prod", "pattern @message")
    assert code == 2 and out == ""
    assert "cannot run the query" in err and "pattern command" in err


@pytest.mark.parametrize("words, says", [
    (("--since", "1h", "--until", "2h"), "--since: must be before --until"),
    (("--limit", "0"), "--limit: is between 1 and 10000"),
    (("--since", "yesterday"), "--since: a number and a unit"),
])
def test_bad_input_is_refused_before_any_call(sandbox, capsys, words, says):
    code, out, err = run(sandbox, capsys, "logs", "insights", "orders-api", "prod", "stats count(*)", *words)
    assert code == 2 and out == "" and says in err


def test_a_stage_without_access_logs_says_so(sandbox, capsys):
    code, _, err = run(sandbox, capsys, "logs", "insights", "orders-api", "dev", "stats count(*)")
    assert code == 1 and "access logging" in err


def test_the_runner_polls_until_complete_and_stops_a_query_it_abandons(connection, aws, window):
    start, end = window
    logs = aws("logs", REGION)
    seen: list[str] = []
    runner = Insights(logs, insights_budget(connection), GROUP, "stats count(*) as n", start, end)
    results = runner.wait(progress=lambda status, statistics: seen.append(status))
    assert seen[0] == "Running" and seen[-1] == "Complete" and results.complete
    assert results.columns == ("n",) and int(results.rows[0][0]) == results.statistics.matched > 0

    abandoned = Insights(logs, insights_budget(connection), GROUP, "stats count(*)", start, end)
    with pytest.raises(Abandoned):
        abandoned.wait(stopped=lambda: abandoned.query_id is not None)
    assert logs.get_query_results(queryId=abandoned.query_id)["status"] == "Cancelled"


def test_ctrl_c_stops_the_query_in_cloudwatch_and_exits_1(sandbox, aws, monkeypatch):
    monkeypatch.setattr(logs_insights, "RUN_SECONDS", 60.0)  # the sandbox's queries now run for a minute
    marker = f"# {uuid.uuid4()}\nstats count(*)"  # a comment names this query among the group's
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "logs", "insights", "orders-api", "prod", marker,
         "--endpoint-url", sandbox.url, "--region", REGION], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=os.environ | {"PYTHONUNBUFFERED": "1"})
    logs = aws("logs", REGION)

    def status() -> str | None:
        found = [q for q in logs.describe_queries(logGroupName=GROUP)["queries"] if q["queryString"] == marker]
        return found[0]["status"] if found else None

    try:
        deadline = time.monotonic() + 30
        while status() != "Running":
            assert process.poll() is None and time.monotonic() < deadline, "the query never started"
            time.sleep(0.1)
        time.sleep(1.0)  # the console has its query id once StartQuery's answer is in: the interrupt comes after
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 1 and out == ""
    assert "the query was stopped (StopQuery)" in err
    assert status() == "Cancelled"
