"""moto's server on loopback, behind the fidelity extensions, seeded unless asked not to be."""

from __future__ import annotations

import json
import logging
import sys
import threading
import urllib.request
from dataclasses import dataclass

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from console.sandbox import ACCESS_KEY_ID, REGION
from console.sandbox.fidelity import router
from console.sandbox.state import STATE


@dataclass
class Sandbox:
    url: str
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


def application():
    """moto's server application behind the fidelity extensions; a moto reset clears ours too."""
    extended = router().wrap(DomainDispatcherApplication(create_backend_app))

    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/moto-api/reset":
            STATE.reset()
        return extended(environ, start_response)

    return app


def start(port: int = 0, *, seeded: bool = True) -> Sandbox:
    """Serve the sandbox on 127.0.0.1 (port 0: any free port) in a thread, and seed it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", port, application(), threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True)
    thread.start()
    host, bound = server.server_address[:2]
    sandbox = Sandbox(url=f"http://{host}:{bound}", server=server, thread=thread)
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
