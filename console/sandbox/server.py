"""moto's server on loopback, seeded unless asked not to be."""

from __future__ import annotations

import json
import logging
import sys
import threading
import urllib.request
from dataclasses import dataclass

from moto.server import ThreadedMotoServer

from console.sandbox import ACCESS_KEY_ID, REGION


@dataclass
class Sandbox:
    url: str
    server: ThreadedMotoServer

    def stop(self) -> None:
        self.server.stop()


def start(port: int = 0, *, seeded: bool = True) -> Sandbox:
    """Start moto's server on 127.0.0.1 (port 0: any free port) and seed it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    sandbox = Sandbox(url=f"http://{host}:{bound}", server=server)
    if seeded:
        reseed(sandbox.url, reset_first=False)
    return sandbox


def reseed(url: str, *, reset_first: bool = True) -> None:
    """Bring the endpoint back to the seeded estate (or empty, then seeded)."""
    from console.sandbox.seed import seed_estate

    if reset_first:
        reset(url)
    seed_estate(url)


def reset(url: str) -> None:
    """Wipe every backend of the endpoint (moto's reset API)."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def serve(port: int, *, seeded: bool, announce: bool) -> int:
    """Run a sandbox in the foreground until interrupted (or, with announce, until stdin closes).

    `announce` is how a parent console embeds a sandbox: the first stdout line is JSON with the URL,
    and the child exits as soon as its parent's end of stdin closes, so it never outlives the console.
    """
    sandbox = start(port, seeded=seeded)
    if announce:
        print(json.dumps({"url": sandbox.url, "region": REGION}), flush=True)
        sys.stdin.read()  # returns at EOF: the parent is gone
        sandbox.stop()
        return 0
    print(f"apigw-console SANDBOX — a local AWS endpoint, not an AWS account.\n"
          f"  endpoint: {sandbox.url}   region: {REGION}   estate: {'seeded' if seeded else 'empty'}\n"
          f"  try:      AWS_ACCESS_KEY_ID={ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY=sandbox \\\n"
          f"            aws --endpoint-url {sandbox.url} --region {REGION} apigateway get-rest-apis\n"
          f"  console:  apigw-console --endpoint-url {sandbox.url} --region {REGION}\n"
          f"Ctrl+C stops it.", flush=True)
    stop = threading.Event()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0
