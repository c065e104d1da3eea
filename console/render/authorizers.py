"""An API's authorizers and an authorizer test as a person reads them (the CLI prints these, the TUI
shows the same words), and as JSON. Names, sources, policies and claims are foreign text."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Group
from rich.text import Text

from console.model import ApiAuthorizers, Authorizer, AuthorizerTest, Protocol
from console.render.describe import DASH
from console.render.jsonable import jsonable
from console.render.text import Pairs, assemble, foreign

COLUMNS = ("Name", "Type", "Result TTL", "Used by")  # the TUI's table; the rest is in `details`


def kind(authorizer: Authorizer) -> str:
    """The type as AWS names it, with what answers: "TOKEN (Lambda)", "JWT", "COGNITO_USER_POOLS"."""
    return f"{authorizer.type} (Lambda)" if authorizer.type in ("TOKEN", "REQUEST") and authorizer.function \
        else authorizer.type


def ttl(authorizer: Authorizer) -> str:
    """How long a result is cached: "300 s", "not cached" (0), or a dash where AWS keeps no results."""
    if authorizer.ttl is None:
        return DASH
    return f"{authorizer.ttl} s" if authorizer.ttl else "not cached"


def target(authorizer: Authorizer) -> str:
    if authorizer.issuer:
        return f"{authorizer.issuer} (audience {', '.join(authorizer.audience) or DASH})"
    return authorizer.target or DASH


def used_by(authorizer: Authorizer, protocol: Protocol) -> str:
    if authorizer.used_by:
        return ", ".join(authorizer.used_by)
    return "no method" if protocol is Protocol.REST else "no route"


def row(authorizer: Authorizer, protocol: Protocol) -> tuple[str, ...]:
    """One authorizer's cells, in COLUMNS order."""
    return authorizer.name, kind(authorizer), ttl(authorizer), used_by(authorizer, protocol)


def details(authorizer: Authorizer, protocol: Protocol) -> list[tuple[str, str]]:
    """(label, value) lines: identity source, TTL, target, users, validation, id (the CLI's block, the TUI's pane)."""
    lines = [("Identity source", ", ".join(authorizer.identity_source) or DASH), ("Result TTL", ttl(authorizer)),
             ("Target", target(authorizer)), ("Used by", used_by(authorizer, protocol))]
    if authorizer.validation:
        lines.append(("Validation", authorizer.validation))
    return lines + [("Id", authorizer.id)]


def authorizers_table(listing: ApiAuthorizers) -> Group | Text:
    """One block per authorizer (its name, id and type; then its `details` but the id), whole at 80 columns:
    ARNs and route lists are what one copies, and a seven-column table would fold them."""
    api = listing.api
    if not listing.authorizers:
        return assemble(api.name, f" ({api.id}, {api.protocol.value}) has no authorizers.")
    parts: list[Any] = [assemble((f"Authorizers of {api.name}", "bold"),
                                 f" ({api.id}, {api.protocol.value}): {len(listing.authorizers)}")]
    for authorizer in listing.authorizers:
        grid = Pairs(label_style="dim")
        for label, value in details(authorizer, api.protocol)[:-1]:
            grid.add_row(label, value)
        parts += [Text(""), assemble((authorizer.name, "bold cyan"), f"  {authorizer.id}  {kind(authorizer)}"), grid]
    return Group(*parts)


def authorizers_json(listing: ApiAuthorizers) -> dict[str, Any]:
    return {"api": {"id": listing.api.id, "name": listing.api.name, "protocol": listing.api.protocol.value},
            "authorizers": [jsonable(a) for a in listing.authorizers], "fetched_at": jsonable(listing.fetched_at)}


def outcome(result: AuthorizerTest) -> str:
    """ "allowed", or the status the client would have met and what it means."""
    if result.allowed:
        return "allowed (the request would reach the integration)"
    meaning = {401: "Unauthorized", 403: "Forbidden", 500: "authorizer error"}.get(result.client_status, "refused")
    return f"refused: the client would get {result.client_status} {meaning}"


def policy_lines(policy: str) -> list[str]:
    """Each statement of the policy as "Allow execute-api:Invoke on" and its resources; the text itself if it is
    not JSON."""
    try:
        document = json.loads(policy)
        statements = document.get("Statement") or []
        statements = statements if isinstance(statements, list) else [statements]
        lines = []
        for s in statements:
            actions, resources = s.get("Action") or "", s.get("Resource") or ""
            actions = ", ".join(actions) if isinstance(actions, list) else str(actions)
            resources = ", ".join(resources) if isinstance(resources, list) else str(resources)
            lines += [f"{s.get('Effect', '?')} {actions} on", resources]  # the ARN whole, on a line of its own
        return lines or [policy]
    except (ValueError, AttributeError, TypeError):
        return [policy] if policy else []


def result_rows(result: AuthorizerTest) -> list[tuple[str, str]]:
    """(label, value) pairs: outcome, latency, principal, policy, context, claims (the TUI's and the CLI's)."""
    rows = [("Outcome", outcome(result)), ("Latency", f"{result.latency_ms} ms (as AWS measured this test)"),
            ("Principal", result.principal_id or DASH)]
    rows += [("Policy" if n == 0 else "", line) for n, line in enumerate(policy_lines(result.policy))] or [("Policy", DASH)]
    rows += [("Context", f"{k} = {', '.join(v)}") for k, v in sorted(result.context.items())]
    rows += [("Claim", f"{k} = {v}") for k, v in sorted(result.claims.items())]
    return rows


def result_table(result: AuthorizerTest) -> Pairs:
    table = Pairs()
    for label, value in result_rows(result):
        table.add_row(label, foreign(value, style="green" if label == "Outcome" and result.allowed else
                                     "red" if label == "Outcome" else ""))
    return table


def result_json(result: AuthorizerTest) -> dict[str, Any]:
    """The answer as AWS gave it (policy as its JSON text), with the authorizer it tested."""
    return {"authorizer": {"id": result.authorizer.id, "name": result.authorizer.name},
            "clientStatus": result.client_status, "allowed": result.allowed, "latency": result.latency_ms,
            "principalId": result.principal_id, "policy": result.policy,
            "authorization": {k: list(v) for k, v in result.context.items()}, "claims": dict(result.claims),
            "log": result.log, "tested_at": jsonable(result.tested_at)}
