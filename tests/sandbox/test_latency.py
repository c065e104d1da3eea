"""`sandbox --latency MS`: each client call held as a round trip to AWS would hold it, calls overlapping."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from console.sandbox.latency import LATENCY

HELD = 0.3


@pytest.fixture
def held(sandbox):
    LATENCY.seconds = HELD
    yield
    LATENCY.seconds = 0.0


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def test_a_client_call_waits_and_calls_in_flight_wait_together(held, aws):
    apigw = aws("apigateway")
    assert _timed(apigw.get_rest_apis) >= HELD
    with ThreadPoolExecutor(4) as pool:
        took = _timed(lambda: list(pool.map(lambda _: apigw.get_rest_apis(), range(4))))
    assert took < 2 * HELD  # four at once take about one round trip, not four


def test_the_sandboxs_own_calls_are_never_held(sandbox, aws):
    from console.sandbox.estate import Clients, sandbox_session

    internal, client = Clients(sandbox_session(), sandbox.url, "us-east-1").apigateway, aws("apigateway")
    internal.get_rest_apis(), client.get_rest_apis()  # both clients made and warm: the call alone is timed
    LATENCY.seconds = 1.0  # long beside a call's own time, however busy the machine
    try:
        assert _timed(internal.get_rest_apis) < 1.0 <= _timed(client.get_rest_apis)
    finally:
        LATENCY.seconds = 0.0


def test_a_latency_out_of_range_is_refused_before_anything_starts(capsys):
    from console.cli import main

    assert main(["sandbox", "--port", "0", "--latency", "9000"]) == 2
    assert "--latency is a number of milliseconds from 0 to 5000" in capsys.readouterr().err
