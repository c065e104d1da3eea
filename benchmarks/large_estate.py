"""A large estate (600 REST + 300 HTTP APIs): few control-plane calls, and rows on screen within 1 s.

The estate is created straight in moto's backends, which the sandbox's server (in this process)
serves: 900 creations over HTTP would add about 5 s (some 5 ms a request on loopback) before
anything is measured.
"""

from __future__ import annotations

import asyncio
import time

from benchmarks.common import Figure, launch_console, seconds

REST_APIS, HTTP_APIS = 600, 300
RUNS = 5  # the pty figure sits near its target, so a few more runs than elsewhere
MAX_CALLS, ROWS_TARGET = 5, 1.0
NAME = b"bulk-"  # every API of the estate is named bulk-…
ACCOUNT, REGION = "123456789012", "us-east-1"


def run() -> list[Figure]:
    from console.sandbox.server import reset, start

    sandbox = start(seeded=False)
    try:
        reset(sandbox.url)  # the process's moto backends are shared by every benchmark
        _create_estate()
        return [*_listing(sandbox.url), _headless(sandbox.url), _pty(sandbox.url)]
    finally:
        reset(sandbox.url)
        sandbox.stop()


def _create_estate() -> None:
    from console.sandbox.moto_seam import backend

    rest = backend("apigateway", ACCOUNT, REGION)
    for n in range(REST_APIS):
        rest.create_rest_api(f"bulk-rest-{n:04}", f"REST API {n} of a large estate")
    v2 = backend("apigatewayv2", ACCOUNT, REGION)
    for n in range(HTTP_APIS):
        v2.create_api(api_key_selection_expression=None, cors_configuration=None,
                      description=f"HTTP API {n} of a large estate", disable_schema_validation=None,
                      disable_execute_api_endpoint=None, name=f"bulk-http-{n:04}", protocol_type="HTTP",
                      route_selection_expression="$request.method $request.path", tags={}, version=None)


def _listing(url: str) -> list[Figure]:
    """`Gateway.apis()`: the HTTP requests it sends (every attempt, retries included) and its wall time."""
    from console.aws.session import Connection, Target
    from console.read.gateway import Gateway

    connection = Connection(Target(endpoint_url=url))
    sent: list[str] = []
    for client in (connection.apigw, connection.apigwv2):
        client.meta.events.register("before-send", lambda request, **_: sent.append(request.url))
    gateway = Gateway(connection)
    times, counts = [], []
    for _ in range(RUNS):
        before, started = len(sent), time.perf_counter()
        apis = gateway.apis(refresh=True)
        times.append(time.perf_counter() - started)
        counts.append(len(sent) - before)
    if len(apis) != REST_APIS + HTTP_APIS:
        raise RuntimeError(f"listed {len(apis)} APIs, created {REST_APIS + HTTP_APIS}")
    paging = ("moto 5.2.5 ignores page sizes and answers in one page, so paging is not exercised "
              "(on AWS, at 500 a page: 2 REST + 1 HTTP = 3)")
    return [
        Figure("Gateway.apis() HTTP calls, 900 APIs", max(counts), "calls", MAX_CALLS, paging),
        seconds("Gateway.apis() wall time, 900 APIs", times,
                note="same clients each run; the first also loads botocore's paginator models"),
    ]


def _headless(url: str) -> Figure:
    """The app in Textual's headless driver: start to rows in `DataTable#apis` (no terminal I/O)."""
    from console.aws.session import Target
    from screens.app import ConsoleApp

    async def once() -> float:
        started = time.perf_counter()
        app = ConsoleApp(Target(endpoint_url=url))
        async with app.run_test(size=(80, 24)) as pilot:
            while app.screen.query_one("#apis").row_count == 0:
                await pilot.pause(0.01)
            return time.perf_counter() - started

    runs = [asyncio.run(once()) for _ in range(RUNS)]
    return seconds("app start → first rows (headless)", runs, ROWS_TARGET,
                   "in-process; textual, boto3 already imported; the sandbox shares the GIL")


def _pty(url: str) -> Figure:
    """The user-facing figure: a real console process until an API of the estate is on screen."""
    runs = [launch_console(url, {"rows": (NAME,)})["rows"] for _ in range(RUNS)]
    return seconds("launch → first rows (pty)", runs, ROWS_TARGET, "pty 80x24, real process")
