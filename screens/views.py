"""Every view the operator can jump to, named once: the `:` command line, the palette, `?` and navigation read it.

A view is opened by name (`:plans`), or by name and a stage (`:logs orders-api prod`). The screen
class is named as "module:Class" and imported when the view opens, so the first frame never waits
for a screen nobody asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    name: str  # what follows ':'
    title: str  # the palette's entry
    help: str  # one line, in `?`, the palette and the command line's errors
    screen: str  # "module:Class"
    usage: str = ""  # the arguments after the name, e.g. "API STAGE"
    example: str = ""
    alias: str = ""  # a short name, k9s style: `:p` for `:pulse`

    @property
    def stage_view(self) -> bool:
        """Opened on one stage: `:NAME API STAGE`."""
        return self.usage.startswith("API STAGE")

    def screen_class(self) -> type:
        module, _, name = self.screen.partition(":")
        return getattr(importlib.import_module(module), name)

    @property
    def command(self) -> str:
        return f"{self.name} {self.usage}".strip()


VIEWS: tuple[View, ...] = (
    View("apis", "APIs", "the API list of this region", "screens.apis:ApiListScreen", alias="a"),
    View("plans", "Usage plans", "usage plans, their throttles and quotas", "screens.catalog:UsagePlansScreen"),
    View("keys", "API keys", "API keys (values masked)", "screens.catalog:ApiKeysScreen", alias="k"),
    View("authorizers", "Authorizers", "an API's authorizers and the methods or routes using each; t tests one",
         "screens.authorizers:AuthorizersScreen", usage="[API]", example="authorizers orders-api"),
    View("domains", "Custom domains", "custom domain names, their base paths and API mappings (enter: the stage)",
         "screens.domains:DomainsScreen"),
    View("audit", "Audit journal", "the journal of changes; enter undoes one", "screens.audit:AuditScreen"),
    View("doctor", "Doctor", "which reads these credentials may make, and which are refused",
         "screens.doctor:DoctorScreen"),
    View("pulse", "Pulse", "every stage of the region, worst first (CloudWatch)", "screens.pulse:PulseScreen",
         alias="p"),
    View("fleet", "Fleet pulse", "every stage of a fleet's PROFILE@REGION targets ([fleets] in the config), worst "
         "first", "screens.fleet:FleetScreen", usage="[NAME]", example="fleet payments"),
    View("runbook", "Runbook", "run a bundled runbook: each step, the condition's value now, elapsed time",
         "screens.runbook:RunbookScreen", usage="[NAME]", example="runbook throttle-storm"),
    View("ctx", "Switch profile or region", "profiles, keyring entries and regions; :ctx NAME switches at once",
         "screens.connection:ConnectionScreen", usage="[PROFILE]", example="ctx prod-admin"),
    View("stage", "Stage", "one stage: throttles, variables, cache, canary, logs, metrics", "screens.stage:StageScreen",
         usage="API STAGE", example="stage orders-api prod", alias="s"),
    View("logs", "Stage logs", "tail a stage's access log (add canary for its canary)", "screens.logs:LogScreen",
         usage="API STAGE [canary]", example="logs orders-api prod"),
    View("metrics", "Stage metrics", "a stage's CloudWatch metrics", "screens.metrics:MetricsScreen",
         usage="API STAGE", example="metrics orders-api prod"),
    View("insights", "Logs Insights", "a Logs Insights query over a stage's access log (enter runs it)",
         "screens.insights:InsightsScreen", usage="API STAGE", example="insights orders-api prod"),
)
BY_NAME = {view.name: view for view in VIEWS} | {view.alias: view for view in VIEWS if view.alias}


def view(name: str) -> View:
    return BY_NAME[name]
