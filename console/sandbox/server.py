"""moto's server on loopback, behind the fidelity extensions, seeded unless asked not to be."""

from __future__ import annotations

import gc
import json
import logging
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, make_server

from console.sandbox import ACCESS_KEY_ID, REGION, moto_seam
from console.sandbox.control_plane import INTERNAL_HEADER, LIMITER
from console.sandbox.faults import FAULTS, Fault
from console.sandbox.fidelity import router
from console.sandbox.history import PENDING
from console.sandbox.latency import LATENCY, MAX_LATENCY_MS
from console.sandbox.state import CACHE_CREATE_SECONDS, STATE

if TYPE_CHECKING:
    from console.sandbox.scenarios import Incident
    from console.sandbox.traffic.runner import Runner, Traffic


@dataclass
class Sandbox:
    url: str
    server: BaseWSGIServer
    thread: threading.Thread
    traffic: Runner | None = None  # simulated clients, when started with traffic
    incident: Incident | None = None  # the rehearsal scenario it was started in
    onset: float | None = None  # when the incident began (epoch seconds)
    replayed: Traffic | None = None  # the engine that played the incident from its onset...
    replayed_to: float | None = None  # ...up to this epoch second
    fleet_traffic: list[Runner] = field(default_factory=list)  # a fleet's other accounts' clients

    def start_traffic(self) -> None:
        """Simulated clients for the seeded estate (and the incident's, if any), stepping once a second;
        after a replayed onset, the same clients carry on from where the replay stopped."""
        from console.sandbox.scenarios import engine
        from console.sandbox.traffic.runner import Runner

        self.traffic = Runner(self.replayed or engine(self.url, self.incident), since=self.replayed_to).start()

    def start_fleet_traffic(self, engines: list[Traffic], since: dict[int, float]) -> None:
        """Simulated clients for a fleet's other accounts, an engine each; `since` (by the engine's place)
        where a struck one's replay stopped."""
        from console.sandbox.traffic.runner import Runner

        self.fleet_traffic = [Runner(e, since=since.get(n)).start() for n, e in enumerate(engines)]

    def stop(self, flush: bool = True) -> None:
        """Stop serving; `flush=False` when the process is ending, so Ctrl+C is never kept waiting."""
        for runner in [self.traffic, *self.fleet_traffic]:
            if runner:
                runner.stop(flush)
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


def application():
    """moto's server application behind the fidelity extensions; a moto reset clears ours too."""
    routes = router()
    routes.before(("logs", "monitoring"), PENDING.settle)  # the seeded history, before anyone reads
    routes.gate(LIMITER.check)  # API Gateway's control-plane rates and quotas, when switched on
    routes.gate(LATENCY.hold)  # a distant region's round trip, when asked for
    extended = routes.wrap(moto_seam.server_app())

    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/moto-api/reset":
            STATE.reset()
            PENDING.drop()
        return extended(environ, start_response)

    return app


def start(port: int = 0, *, seeded: bool = True, traffic: bool = False, scenario: str | None = None,
          onset: float | None = None) -> Sandbox:
    """Serve the sandbox on 127.0.0.1 (port 0: any free port) in a thread, and seed it.

    `traffic` adds simulated clients (off by default: tests step a `Traffic` engine themselves);
    `scenario` starts the seeded estate in a rehearsal incident (console.sandbox.scenarios) that began
    `onset` minutes ago (default scenarios.ONSET_MINUTES): the history ends at the onset, and the
    incident's minutes since are replayed into the logs, metrics and usage before this returns.
    """
    if scenario and not seeded:
        raise ValueError("a scenario starts from the seeded estate")
    began = None
    if scenario:
        from console.sandbox.scenarios import ONSET_MINUTES, onset_time

        began = onset_time(time.time(), ONSET_MINUTES if onset is None else onset)
    collecting = gc.isenabled()
    gc.disable()  # importing moto and restoring the estate allocate enough to run the collector a hundred times
    try:
        moto_seam.install_patches()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = make_server("127.0.0.1", port, application(), threaded=True,
                             request_handler=moto_seam.request_handler())
        thread = threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True)
        thread.start()
        host, bound = server.server_address[:2]
        sandbox = Sandbox(url=f"http://{host}:{bound}", server=server, thread=thread)
        if seeded:
            reseed(sandbox.url, reset_first=False, history_end=began)
    finally:
        if collecting:
            gc.enable()
    if scenario:
        from console.sandbox.scenarios import begin, engine, replay

        sandbox.incident, sandbox.onset = begin(scenario, sandbox.url, now=began), began
        if began < time.time() - 1:
            sandbox.replayed = engine(sandbox.url, sandbox.incident)
            sandbox.replayed_to = replay(sandbox.replayed, began)
    if traffic:
        sandbox.start_traffic()
    return sandbox


# What a console asks first, asked once by the sandbox itself: moto builds a service's URL map and loads
# its model on its first call, and the alarms catch up over the history on the first DescribeAlarms (which
# waits for the history to be written) — half a second a console would otherwise wait for. The first is
# asked before the sandbox announces, the others just after, beside the console's first calls.
_FIRST_CALL = ("apigateway", "GET", "/restapis", b"")
_NEXT_CALLS = (("apigateway", "GET", "/v2/apis", b""),
               ("sts", "POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15"),
               ("monitoring", "POST", "/", b"Action=DescribeAlarms&Version=2010-08-01"))


def _get_ready(url: str, calls: tuple[tuple[str, str, str, bytes], ...]) -> None:
    """Make `calls`, so a console's own first calls of the kind find moto ready (and the history written)."""
    for service, method, path, body in calls:
        scope = f"Credential={ACCESS_KEY_ID}/20240101/{REGION}/{service}/aws4_request, SignedHeaders=host, Signature=0"
        request = urllib.request.Request(url + path, data=body or None, method=method, headers={
            "Authorization": f"AWS4-HMAC-SHA256 {scope}", INTERNAL_HEADER: "1",
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except OSError:  # refused by a fault set at start, or the sandbox stopping: nothing to get ready
            continue


def reseed(url: str, *, reset_first: bool = True, history_end: float | None = None) -> None:
    """Bring the endpoint back to the seeded estate (or empty, then seeded), its history ending at
    `history_end` (default: now)."""
    from console.sandbox.estate import seed_estate

    if reset_first:
        reset(url)
    seed_estate(url, history_end)


def reset(url: str) -> None:
    """Wipe every backend of the endpoint (moto's reset API)."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def serve(port: int, *, seeded: bool, announce: bool, traffic: bool = True, scenario: str | None = None,
          onset: float | None = None, deny: tuple[str, ...] = (), unimplemented: tuple[str, ...] = (),
          accounts: int = 1, regions: tuple[str, ...] = (), aws_config: str | None = None,
          control_plane_limits: bool = True, latency_ms: int = 0) -> int:
    """Run a sandbox in the foreground until interrupted (or, with announce, until stdin closes).

    `announce` is how a parent console embeds a sandbox: the first stdout line is JSON with the URL,
    and the child exits as soon as its parent's end of stdin closes, so it never outlives the console.
    `scenario` "list" prints the rehearsal scenarios instead of serving; `onset` is how many minutes
    before the start the scenario's incident began. `accounts`, `regions` and `aws_config` make it a
    fleet (console.sandbox.fleet). `control_plane_limits` enforces API Gateway's management-call rates and
    quotas once the estate is seeded (console.sandbox.control_plane); `latency_ms` holds each client call
    that long (console.sandbox.latency).
    """
    if scenario == "list":
        from console.sandbox.scenarios import describe

        print("\n".join(describe()))
        return 0
    scenario, _, where = (scenario or "").partition("@")
    scenario = scenario or None
    struck = tuple(where.split("@")) if where else None  # (account, region) of a fleet
    problem = _scenario_problem(scenario, seeded, traffic, onset) if scenario else None
    if onset is not None and not scenario:
        problem = "--onset dates a scenario's incident; name one with --scenario"
    try:  # calls to answer as denied, or as an emulator without them (console.sandbox.faults)
        wanted = [Fault.parse("deny", f) for f in deny] + [Fault.parse("unimplemented", f) for f in unimplemented]
    except ValueError as exc:
        problem = problem or str(exc)
    fleet = accounts != 1 or bool(regions) or aws_config is not None
    if fleet and not problem:
        from console.sandbox.fleet import flag_problem

        problem = flag_problem(accounts, regions, seeded)
    if struck and not problem:
        from console.sandbox.fleet import strike_problem

        problem = strike_problem(struck, accounts, regions)
    if not 0 <= latency_ms <= MAX_LATENCY_MS:
        problem = problem or f"--latency is a number of milliseconds from 0 to {MAX_LATENCY_MS}"
    if problem:
        print(f"apigw-console sandbox: {problem}", file=sys.stderr)
        return 2
    sandbox = start(port, seeded=seeded, scenario=None if struck else scenario, onset=onset)
    fleet_lines: list[str] = []
    fleet_engines: list[Traffic] = []
    replayed: dict[int, float] = {}
    if fleet:  # seeded before faults apply: a fault is for the console's calls
        from console.sandbox.fleet import serve_fleet

        try:
            fleet_lines, fleet_engines, replayed = serve_fleet(
                sandbox, accounts, regions, aws_config, strike=(scenario, *struck, onset) if struck else None)
        except ValueError as exc:  # the struck estate lacks what the scenario strikes
            print(f"apigw-console sandbox: {exc}", file=sys.stderr)
            sandbox.stop(flush=False)
            return 2
    FAULTS.set(wanted)
    LIMITER.switch(control_plane_limits)
    STATE.cache_create_seconds = CACHE_CREATE_SECONDS  # a new cache cluster takes its time, as in AWS
    LATENCY.seconds = latency_ms / 1000
    # The first answer is ready before the announcement: answered after it, it would race the console's own
    # first call (both waiting on moto's first-call work) and the history being written.
    _get_ready(sandbox.url, (_FIRST_CALL,))
    threading.Thread(target=_get_ready, args=(sandbox.url, _NEXT_CALLS), name="sandbox-ready", daemon=True).start()
    # The endpoint answers with the seeded estate from here; the clients start a moment later.
    if announce:
        print(json.dumps({"url": sandbox.url, "region": REGION}), flush=True)
    else:
        print(_banner(sandbox, seeded, traffic, scenario, struck), *fleet_lines, sep="\n", flush=True)
    try:
        if traffic:
            sandbox.start_traffic()
            sandbox.start_fleet_traffic(fleet_engines, replayed)
        if announce:
            sys.stdin.read()  # returns at EOF: the parent is gone
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop(flush=False)
    return 0


def _scenario_problem(scenario: str, seeded: bool, traffic: bool, onset: float | None) -> str | None:
    from console.sandbox.scenarios import MAX_ONSET_MINUTES, SCENARIOS

    if scenario not in SCENARIOS:
        return f"unknown scenario {scenario!r}; `apigw-console sandbox --scenario list` names them"
    if not seeded:
        return "a scenario starts from the seeded estate; drop --empty"
    if not traffic:
        return "a scenario's symptoms come from the traffic; drop --no-traffic"
    if onset is not None and not 0 <= onset <= MAX_ONSET_MINUTES:
        return f"--onset is minutes before the start, from 0 to {MAX_ONSET_MINUTES} (each is replayed at the start)"
    return None


def _banner(sandbox: Sandbox, seeded: bool, traffic: bool, scenario: str | None,
            struck: tuple[str, ...] | None = None) -> str:
    place = f" in account {struck[0]}, {struck[1]}" if struck else ""
    rehearsal = f" Rehearsal: {scenario}{place}." if scenario else ""
    lines = [
        f"apigw-console SANDBOX — a local AWS endpoint, not an AWS account.{rehearsal}",
        f"  endpoint: {sandbox.url}   region: {REGION}",
        f"  estate:   {'seeded' if seeded else 'empty'}   traffic: {'live' if traffic else 'off'}",
        f"  AWS CLI:  export AWS_ACCESS_KEY_ID={ACCESS_KEY_ID} \\",
        "              AWS_SECRET_ACCESS_KEY=sandbox \\",
        f"              AWS_ENDPOINT_URL={sandbox.url} \\",
        f"              AWS_DEFAULT_REGION={REGION} \\",
        "              AWS_DISABLE_HOST_PREFIX_INJECTION=true",
        "            aws apigateway get-rest-apis   # start-live-tail needs the last one",
        f"  console:  apigw-console --endpoint-url {sandbox.url}",
    ]
    if scenario and not struck:  # a fleet's struck account-region is in the fleet's lines
        from console.sandbox.scenarios import SCENARIOS

        lines.append(f"  scenario: {scenario} — {SCENARIOS[scenario].summary}")
        if sandbox.onset is not None and sandbox.replayed is not None:
            lines.append(f"  onset:    {time.strftime('%H:%M', time.gmtime(sandbox.onset))} UTC, "
                         f"{(time.time() - sandbox.onset) / 60:.0f} minutes ago: its logs, metrics and alarms are in")
    return "\n".join(lines + ["Ctrl+C stops it."])
