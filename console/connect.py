"""Opening an Engine on a place: the one way the CLI and the TUI connect.

A `Connector` starts the embedded sandbox when the target asks for one (once, for as long as it
lives), builds and identifies a Connection (asking again for an MFA code AWS rejected, three times),
keeps one Connection per place so credentials live until they expire, and shares one control-plane
budget across them: AWS's limit is per account and region, and the operator's calls all draw on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from console.aws.waits import Waits

if TYPE_CHECKING:
    from actions.engine import Engine
    from console.aws.session import Connection, Target
    from console.config import Settings
    from console.sandbox.process import ChildSandbox

MFA_TRIES = 3


class Connector:
    def __init__(self, settings: "Settings", *, write: bool = False,
                 ask_mfa: Callable[[str], str] | None = None) -> None:
        self.settings = settings
        self.write = write
        self.ask_mfa = ask_mfa
        self.mfa_error = ""  # why the last MFA code was asked for again ("" the first time)
        self.waits = Waits()  # every connection's calls in flight, for "still waiting" messages
        self.child: ChildSandbox | None = None
        self._connections: dict[Target, Connection] = {}
        self._budget = None

    def open(self, target: "Target", *, identified: bool = True) -> "Engine":
        """An Engine on a connection to `target`, with fresh read caches, identified by STS unless not
        `identified`: a one-shot read needs no account (a change asks STS when it plans, Engine.scope),
        and its credentials are still checked before its first call."""
        from actions.engine import Engine, write_permission
        from console.journal.store import Journal, journal_path
        from console.read.gateway import Gateway

        if target.sandbox:
            if self.child is None:
                from console.sandbox.process import spawn

                self.child = spawn()
            target = replace(target, endpoint_url=self.child.url, region=target.region or self.child.region)
        connection = self._connections.get(target)
        if connection is None or (identified and connection.identity is None):
            connection = self._identified(target) if identified else self._checked(target)
            self._connections[target] = connection
        permission = write_permission(target, self.settings, flag=self.write)
        journal = Journal(journal_path(sandbox=target.sandbox or target.local))
        return Engine(Gateway(connection), journal, self.settings, permission)

    def close(self) -> None:
        if self.child is not None:
            self.child.close()
            self.child = None

    def __enter__(self) -> "Connector":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _checked(self, target: "Target") -> "Connection":
        connection = self._connection(target)
        connection.check_credentials()
        return connection

    def _connection(self, target: "Target") -> "Connection":
        """A new Connection on the shared budget."""
        from console.aws.budget import TokenBucket
        from console.aws.session import Connection

        if self._budget is None:
            self._budget = TokenBucket(self.settings.budget_rate, self.settings.budget_burst)
        return Connection(target, self._budget, ask_mfa=self.ask_mfa, default_region=self.settings.region,
                          waits=self.waits)

    def _identified(self, target: "Target") -> "Connection":
        from console.aws.errors import Problem

        self.mfa_error = ""
        for _ in range(MFA_TRIES):
            connection = self._connection(target)
            try:
                connection.identify()
                return connection
            except Problem as problem:
                if problem.kind != "denied" or "MultiFactorAuthentication" not in problem.message:
                    raise
                self.mfa_error = "AWS did not accept that code; wait for the next one and try again."
        raise Problem(f"{MFA_TRIES} MFA codes were refused; nothing was switched.", kind="denied")
