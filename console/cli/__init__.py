"""The command line: the TUI by default, and subcommands for runbooks (grammar in console.cli.parser).

Global options (--profile, --region, --endpoint-url, --sandbox, --output, --write) go before or
after the command. Exit codes are console.exits'. This package never imports Textual unless the
TUI is asked for, nor boto3 before a command needs it.
"""

from __future__ import annotations

import atexit
import importlib
import os
import signal
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, NoReturn

from console.cli.completion import complete_if_asked
from console.cli.parser import attach_relative_values, build_parser
from console.exits import EXIT_FAILED, EXIT_OK, EXIT_USAGE, exit_code
from console.render.visible import say

SLOW_LINK_FPS = "10"  # frames a second at most over a slow link (Textual's default is 60)

if TYPE_CHECKING:
    from console.aws.waits import Waits


def run() -> NoReturn:
    """The `apigw-console` program: main(), then out without tearing the interpreter down when nothing is
    left running. Freeing botocore's models and every module took a one-shot read ~60 ms, a sixth of its
    time; the output is flushed and the exit functions run first, as a normal exit would."""
    code = main()
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        raise SystemExit(code)  # a thread still working: the interpreter's own exit waits for it
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone (`| head -1`), as main() answers it
        code = 128 + signal.SIGPIPE
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    complete_if_asked(parser)
    args = parser.parse_args(attach_relative_values(sys.argv[1:] if argv is None else argv))
    if not getattr(args, "no_color", False) or "NO_COLOR" in os.environ:
        return _main(args)
    os.environ["NO_COLOR"] = "1"  # rich and Textual honour it; for this command only (tests call main in process)
    try:
        return _main(args)
    finally:
        os.environ.pop("NO_COLOR", None)


def _main(args) -> int:
    if args.command == "sandbox":
        from importlib.util import find_spec

        if find_spec("moto") is None:  # moto comes with the extra; it is imported only once a call comes in
            say("The sandbox needs the 'sandbox' extra (No module named 'moto'). Install it with "
                "pipx install 'apigw-console[sandbox]' (or uv tool install 'apigw-console[sandbox]', or "
                "pip install 'apigw-console[sandbox]' in the console's environment).")
            return EXIT_FAILED
        from console.sandbox.server import serve

        return serve(args.port, seeded=not args.empty, announce=args.announce, traffic=args.traffic,
                     scenario=args.scenario, onset=args.onset, deny=tuple(args.deny),
                     unimplemented=tuple(args.unimplemented), accounts=args.accounts, regions=args.regions,
                     aws_config=args.aws_config, control_plane_limits=args.control_plane_limits == "on",
                     latency_ms=args.latency)

    from console.aws.errors import Problem
    from console.aws.session import Target
    from console.config import load

    if args.sandbox and args.endpoint_url:
        say("--sandbox and --endpoint-url name two different endpoints; choose one.")
        return EXIT_USAGE
    settings = load()
    for problem in settings.problems:
        say(f"config: {problem}")
    target = Target(profile=args.profile, region=args.region, endpoint_url=args.endpoint_url, sandbox=args.sandbox)
    if args.command is None:
        slow_link = args.slow_link if args.slow_link is not None else bool(os.environ.get("SSH_CONNECTION"))
        if slow_link:
            os.environ.setdefault("TEXTUAL_FPS", SLOW_LINK_FPS)  # Textual reads it once, when imported just below
        from screens.app import ConsoleApp

        app = ConsoleApp(target, settings=settings, write=args.write, slow_link=slow_link)
        app.run()
        return app.return_code or EXIT_OK

    from actions.plan import Invalid

    module, _, function = args.handler.partition(":")
    handler = getattr(importlib.import_module(module), function)
    try:
        if args.offline:
            return handler(args)
        from console.connect import Connector

        with Connector(settings, write=args.write) as connector, reported(connector.waits):
            return handler(connector.open(target, identified=False), args)
    except Invalid as invalid:
        say(invalid)
        return EXIT_USAGE
    except Problem as problem:
        say(problem)
        return exit_code(problem)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `apigw-console apis | head -1`: the reader has gone; end as a shell expects
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing left to flush at exit, so no second complaint
        return 128 + signal.SIGPIPE


@contextmanager
def reported(waits: "Waits") -> Iterator[None]:
    """Say on stderr what a call has been waiting for, once per attempt, after `SLOW` seconds."""
    stop = threading.Event()

    def watch() -> None:
        told = None
        while not stop.wait(0.25):
            slow = waits.slowest()
            if slow is not None and (slow.what, slow.since, slow.attempt) != told:
                told = (slow.what, slow.since, slow.attempt)
                say(slow.describe(waits.max_attempts))

    watcher = threading.Thread(target=watch, name="waits", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        stop.set()
