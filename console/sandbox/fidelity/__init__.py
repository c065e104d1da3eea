"""The sandbox's fidelity extensions: one module per AWS service, each registering its handlers.

Each module follows its service's API reference where moto 5.2.5 does not (ARCHITECTURE.md lists
the gaps), and each behaviour has a test in tests/sandbox/ stating the documented rule it checks.
"""

from __future__ import annotations

from console.sandbox.router import Router


def router() -> Router:
    """A Router with every extension registered."""
    from console.sandbox.fidelity import apigateway, apigatewayv2, authorizers, cloudwatch, domains, logs, sts

    routes = Router()
    for module in (apigateway, apigatewayv2, authorizers, cloudwatch, domains, logs, sts):
        module.register(routes)
    return routes
