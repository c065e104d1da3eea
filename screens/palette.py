"""The command palette's stage commands: every action on every stage by name, and every API and stage.

"Throttle orders-api prod", "Canary payments-api prod", "Logs catalog-api staging": chosen, the stage
opens and the action runs on it; a URL (or "open URL") opens the stage serving it. The palette lists what
is already read (the API list, and the stages of the APIs seen, as the pulse reads them all), and reads
the stages of up to READ_AHEAD APIs not yet read when it opens, in a thread, so a small estate is complete
and a large one costs no burst of calls.
"""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from console.render.visible import visible
from screens.views import view

READ_AHEAD = 20  # APIs whose stages the palette reads when it opens, at most
# (label, what opens): a stage-screen action, or a view opened on the stage.
STAGE_COMMANDS = (("Stage", None), ("Throttle", "throttle"), ("Variables", "variables"), ("Canary", "canary"),
                  ("Deployments", "deployments"), ("Flush cache", "flush"), ("Logs", "logs"), ("Metrics", "metrics"),
                  ("Logs Insights", "insights"), ("API keys", "keys"))
VIEWS_ON_A_STAGE = ("logs", "metrics", "insights")


class StageCommands(Provider):
    async def startup(self) -> None:
        gateway = self.app.gateway
        self.stages: list[tuple] = []
        self.apis: list = []
        if gateway is not None:
            self.apis, self.stages = await asyncio.to_thread(self._read, gateway)

    @staticmethod
    def _read(gateway) -> tuple[list, list]:
        try:
            apis = gateway.apis()
        except Exception:  # the palette offers what it can; the screens say what failed
            return [], []
        stages, missing = [], 0
        for api in apis:
            known = gateway.peek("stages", api.id)
            if known is None and missing < READ_AHEAD:
                missing += 1
                try:
                    known = gateway.stages(api)
                except Exception:
                    known = None
            stages += [(api, stage.name) for stage in known or ()]
        return apis, stages

    def _commands(self):
        for api in self.apis:
            yield visible(f"API {api.name}"), partial(self._open_api, api), f"{api.protocol.value} API {api.id}"
        for api, stage in self.stages:
            for label, action in STAGE_COMMANDS:
                yield (visible(f"{label} {api.name} {stage}"), partial(self._open_stage, api, stage, action),
                       f"{api.protocol.value} API {api.id}")

    async def search(self, query: str) -> Hits:
        url = query.strip().removeprefix("open ").strip()
        if "://" in url or query.startswith("open "):  # a URL pasted: the stage and method serving it
            name = visible(f"Open {url}")
            yield Hit(1.0, name, partial(self._open_url, url), text=name,
                      help="the API, stage and method or route serving this URL")
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), command, text=name, help=help_text)

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            if name.startswith("Stage "):
                yield DiscoveryHit(name, command, text=name, help=help_text)

    def _open_url(self, text: str) -> None:
        from screens.domains import open_url

        open_url(self.app, text)

    def _open_api(self, api) -> None:
        from screens.api import ApiScreen

        self.app.push_screen(ApiScreen(api))

    def _open_stage(self, api, stage: str, action: str | None) -> None:
        if action in VIEWS_ON_A_STAGE:
            self.app.push_screen(view(action).screen_class()(api, stage))
        else:
            self.app.push_screen(view("stage").screen_class()(api, stage, then=action))
