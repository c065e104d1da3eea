"""The one way a screen runs AWS calls: in a thread worker, with failures shown in words.

`in_thread(node, work, then)` runs `work()` off the UI thread and `then(result)` on it. Whatever
`work` raises is explained (console.aws.errors) into a Problem and given to `failed`, or shown as a
notification: the operator reads what AWS said, never a traceback, and the screen keeps what it had.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, TypeVar

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.worker import Worker

    from console.aws.errors import Problem

T = TypeVar("T")


def notify_problem(app: "App", problem: "Problem", title: str = "AWS", timeout: float = 10) -> None:
    app.notify(problem.message, title=f"{title}: {problem.code or problem.kind}", severity="error", timeout=timeout)


def in_thread(node: "DOMNode", work: Callable[[], T], then: Callable[[T], None], *, group: str,
              title: str = "AWS", failed: Callable[["Problem"], None] | None = None, exclusive: bool = False,
              profile: str | None = None) -> "Worker":
    """Run `work()` in a thread; `then(result)`, or `failed(problem)` (default: a notification), on the UI thread."""
    app = node.app

    def run() -> None:
        from console.aws.errors import explain

        try:
            value = work()
        except Exception as exc:  # every failure is shown in words; none crashes the app
            problem = explain(exc, profile=profile)
            app.call_from_thread(failed or (lambda p: notify_problem(app, p, title)), problem)
            return
        app.call_from_thread(then, value)

    return node.run_worker(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False)
