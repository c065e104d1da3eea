"""Capture the AWS responses the fast tests replay: `.venv/bin/python tests/recorded/capture.py`.

Starts a seeded sandbox in this process (its estate built afresh, in a throwaway cache), reads it
through the console's own read path (a Connection and its Gateway, the metrics reader), and writes
every HTTP exchange those reads made under tests/recorded/, one JSON file each: the request's key
and the response's status, headers and raw body. Run it again after a change to the read path or
to the estate, and commit the files it writes (it deletes the old ones first).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/, for wire_replay

from wire_replay import META, Recorder  # noqa: E402


def _isolate(home: Path) -> None:
    """No real profile or credential, and a throwaway cache: the estate is built, not restored."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            del os.environ[name]
    os.environ.update(AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
                      AWS_EC2_METADATA_DISABLED="true", XDG_CACHE_HOME=str(home / "cache"),
                      XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "config-home"))


def capture(directory: Path = HERE) -> list[Path]:
    from console.aws.session import Connection, Target
    from console.read import metrics, pulse
    from console.read.gateway import Gateway
    from console.sandbox.server import start

    sandbox = start(0, seeded=True)
    try:
        connection = Connection(Target(endpoint_url=sandbox.url, region="us-east-1"))
        recorder = Recorder()
        for service in ("apigateway", "apigatewayv2", "cloudwatch", "logs"):
            recorder.attach(connection.client(service))
        gateway = Gateway(connection)

        def read(label: str, what):
            recorder.label = label
            return what()

        apis = read("", gateway.apis)
        by_name = {a.name: a for a in apis}
        orders, storefront = by_name["orders-api"], by_name["storefront-http"]
        read("", gateway.account_limits)
        for api in apis:
            read(api.name, lambda api=api: gateway.stages(api))
        read("orders-api.prod", lambda: gateway.stage(orders, "prod", refresh=True))
        read("orders-api.nope", lambda: _refused(lambda: gateway.stage(orders, "nope")))
        read("storefront-http.prod", lambda: gateway.stage(storefront, "prod", refresh=True))
        read("orders-api", lambda: gateway.detail(orders))
        read("storefront-http", lambda: gateway.detail(storefront))
        plans = read("", gateway.usage_plans)
        read("", gateway.api_keys)
        for plan in plans:
            read(plan.name, lambda plan=plan: gateway.plan_keys(plan.id))

        now = datetime.now(timezone.utc).replace(microsecond=0)
        cloudwatch = connection.client("cloudwatch")
        read("orders-api.prod.1h", lambda: metrics.stage_metrics(cloudwatch, metrics.ref_for(orders, "prod"), "1h",
                                                                  now=now))
        read("storefront-http.prod.1h", lambda: metrics.stage_metrics(
            cloudwatch, metrics.ref_for(storefront, "prod"), "1h", now=now))
        read("pulse", lambda: pulse.region_pulse(connection, gateway, metrics.region_refs(gateway), now=now))
    finally:
        sandbox.stop()

    for old in directory.glob("*.json"):
        old.unlink()
    written = recorder.save(directory)
    # The moment the metric windows end at: the fast tests ask for the same windows from the same moment.
    META.write_text(json.dumps({"now": now.isoformat(), "region": "us-east-1"}, indent=1) + "\n")
    return written


def _refused(read) -> None:
    from console.aws.errors import Problem

    try:
        read()
    except Problem:
        return
    raise SystemExit("the sandbox answered a read meant to be refused")


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        _isolate(Path(home))
        written = capture()
    print(f"{len(written)} exchanges written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
