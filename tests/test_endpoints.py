"""Endpoints that misbehave: never answering, answering HTML, a reader that goes away; whose profile it is.

The CLI never waits silently (it says what it waits for after SLOW seconds and gives up within 30 s),
never reads a proxy's page as "no APIs", and ends quietly when its reader closes the pipe.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from actions.engine import write_permission
from console.aws import session, waits
from console.aws.session import Target
from console.config import Settings


def test_attempts_and_timeouts_give_up_within_thirty_seconds():
    # botocore's adaptive backoff before attempt n is at most 2**(n-1) s (jittered), far below its 20 s cap here
    worst = waits.MAX_ATTEMPTS * (session.READ_TIMEOUT + 5) + sum(2 ** n for n in range(waits.MAX_ATTEMPTS - 1))
    assert worst < 50 and waits.MAX_ATTEMPTS * session.READ_TIMEOUT + 3 <= 30


@pytest.fixture
def silent_endpoint():
    """A loopback endpoint that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    for conn in held:
        conn.close()
    listener.close()


def test_a_silent_endpoint_is_reported_while_waited_for_then_given_up(silent_endpoint, capsys, monkeypatch):
    from console.cli import main

    monkeypatch.setattr(session, "READ_TIMEOUT", 1)
    monkeypatch.setattr(waits, "SLOW", 0.5)
    started = time.monotonic()
    code = main(["--endpoint-url", silent_endpoint, "--region", "us-east-1", "apis"])
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2 or code == 1
    # a one-shot read asks no STS: its first calls are the two API lists, made at once
    assert "still waiting for 127.0.0.1" in err and "attempt 1 of 3" in err
    assert "GetRestApis" in err or "GetApis" in err
    assert "Traceback" not in err and "Could not reach" in err
    assert elapsed < 3 * 1 + 10


def page(status: int, body: bytes):
    """A loopback endpoint that answers every request with this HTML page (a proxy's login, an emulator's 404)."""
    class Page(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def login_page():
    server = page(200, b"<!DOCTYPE html><html><body>Sign in to the proxy</body></html>")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_html_page_is_an_error_naming_the_endpoint_never_an_empty_list(login_page, capsys):
    from console.cli import main

    code = main(["--endpoint-url", login_page, "--region", "us-east-1", "apis"])
    err = capsys.readouterr().err
    assert code != 0 and "text/html" in err and login_page.removeprefix("http://") in err
    assert "not an AWS answer" in err and "Traceback" not in err


def test_an_html_404_says_the_endpoint_does_not_implement_the_operation(capsys):
    from console.cli import main

    server = page(404, b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>")
    try:
        code = main(["--endpoint-url", f"http://127.0.0.1:{server.server_address[1]}", "--region", "us-east-1", "apis"])
    finally:
        server.shutdown()
    err = capsys.readouterr().err
    assert code != 0 and "does not implement GetRestApis (HTTP 404, text/html)" in err
    assert "<h1>" not in err and "<html" not in err.lower()


def test_a_closed_pipe_ends_the_cli_quietly(sandbox):
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
    done = subprocess.run([sys.executable, "-m", "console", "--endpoint-url", sandbox.url, "apis"],
                          stdout=write, stderr=subprocess.PIPE, env=env, timeout=120)
    os.close(write)
    assert done.returncode == 141 and b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr


def test_the_header_and_write_permission_follow_the_profile_actually_used(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.delenv("APIGW_CONSOLE_WRITE", raising=False)
    target = Target()
    assert target.label == "prod"
    settings = Settings(writable_profiles=frozenset({"default"}))
    assert not write_permission(target, settings).writable
    assert write_permission(Target(profile="default"), settings).writable
