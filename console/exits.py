"""The process's exit codes, and the one rule that turns a Problem into one (CLI and TUI alike).

0 done; 1 AWS refused or failed, or the target changed since the plan; 2 bad usage, invalid input,
no confirmation, or no way to connect; 3 a change without write permission. A command that printed
what was asked but could not read a secondary source (v2 APIs, the account's limits, CloudWatch or the
logs beside the other) exits 0 with a `warning:` on stderr; 1 is for the asked-for thing itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.aws.errors import Problem

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_READ_ONLY = 0, 1, 2, 3
EXIT_HANGUP = 129  # the console's terminal went away (128 + SIGHUP, as a shell reports a hung-up job)

# Problems the operator fixes on their side (a flag, a profile, a login), not AWS's answer to a call.
_USAGE_KINDS = frozenset({"credentials", "region", "bad-request"})


def exit_code(problem: "Problem") -> int:
    if problem.kind == "read-only":
        return EXIT_READ_ONLY
    return EXIT_USAGE if problem.kind in _USAGE_KINDS else EXIT_FAILED
