"""Forms that collect a usage plan or API key change, and the one-time view of a new key's value.

Like screens/forms.py: a form hands what was typed to `propose`, which plans, confirms and applies;
it stays open beneath the confirmation, so a cancel or a refusal comes back to what was typed, the
reason shown. Blank fields leave a setting as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from actions import api_keys, usage_plans
from actions.resource_doc import stage_key
from console.model import Api, ApiKey, UsagePlan
from console.render.describe import DASH, throttle
from console.render.text import assemble, foreign
from screens.confirm import propose
from screens.keys import bindings
from screens.workers import in_thread

if TYPE_CHECKING:
    from actions.engine import Applied, Engine
    from actions.plan import Invalid, Plan

FORM_CSS = """
PlanForm, StageForm, MethodThrottleForm, KeyForm, KeyPlansForm, ImportForm, ExtendForm, KeyValueScreen {
    align: center middle;
}
#form .field { height: 1; margin-top: 1; }
#form .field .label { width: 14; color: $text-muted; }
#form .field Input { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
#form .field Input:focus { background: $primary 25%; }
#form .field Select { width: 1fr; height: 1; }
#form .field SelectCurrent { height: 1; border: none; padding: 0 1; background: $boost; }
#form .field Select:focus > SelectCurrent { background: $primary 25%; }
#form #error { margin-top: 1; }
"""
NO_QUOTA = "none"


class CatalogForm(ModalScreen[None]):
    """What every form here shares: an error line, review through `propose`, and leaving once applied."""

    DEFAULT_CSS = FORM_CSS

    def __init__(self, on_applied: Callable[["Applied"], None]) -> None:
        super().__init__()
        self.on_applied = on_applied

    def show_invalid(self, invalid: "Invalid") -> None:
        self.query_one("#error", Static).update(foreign(str(invalid), style="bold"))

    def applied(self, applied: "Applied") -> None:
        self.dismiss(None)
        self.on_applied(applied)

    def review(self, build: Callable[["Engine"], "Plan"]) -> None:
        self.query_one("#error", Static).update("")
        propose(self, build, on_invalid=self.show_invalid, on_applied=self.applied)

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_review()

    def action_review(self) -> None:
        raise NotImplementedError


def _footer(text: str) -> Static:
    return Static(text + " · [b]esc[/b] cancel", id="keys")


def _field(label: str, widget: Input | Select) -> Horizontal:
    """One labelled line: a form fits 80x24 and a prefilled value still says what it is."""
    return Horizontal(Static(label, classes="label"), widget, classes="field")


class PlanForm(CatalogForm):
    """A new usage plan, or an existing one's throttle, quota and description (one UpdateUsagePlan)."""

    BINDINGS = bindings("plan-form")

    def __init__(self, plan: UsagePlan | None, taken: set[str], on_applied) -> None:
        super().__init__(on_applied)
        self.plan = plan
        self.taken = taken

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="form"):
            yield Static(assemble(("Edit usage plan  " if plan else "New usage plan", "bold"),
                                       plan.name if plan else "", ("  limits apply per API key", "dim")))
            if plan is None:
                yield _field("name", Input(placeholder="partner-bronze", id="name"))
            yield _field("description", Input(plan.description if plan else "", placeholder="(optional)",
                                              id="description"))
            yield _field("rate (rps)", Input(_number(plan.throttle.rate) if plan else "",
                                             placeholder="per key: 100, or x1.5, +20%", id="rate"))
            yield _field("burst", Input(_number(plan.throttle.burst) if plan else "", placeholder="per key: 200",
                                        id="burst"))
            yield _field("quota limit", Input(_number(plan.quota_limit) if plan else "",
                                              placeholder="requests per key per period (blank: none)", id="limit"))
            yield _field("quota period", Select([(p, p) for p in usage_plans.PERIODS] + [("no quota", NO_QUOTA)],
                                                value=(plan.quota_period if plan and plan.quota_period else NO_QUOTA),
                                                allow_blank=False, id="period"))
            yield _field("quota offset", Input(_number(plan.quota_offset) if plan else "",
                                               placeholder="days in (WEEK 0-6, MONTH 0-27)", id="offset"))
            yield Static("", id="error")
            yield _footer("[b]enter[/b]/[b]ctrl+s[/b] review the plan")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def action_review(self) -> None:
        plan, taken = self.plan, self.taken
        description, rate, burst = self.value("#description"), self.value("#rate"), self.value("#burst")
        limit, offset = self.value("#limit"), self.value("#offset")
        period = self.query_one("#period", Select).value

        def quota() -> usage_plans.Quota | None:
            """None: as it is; NO_QUOTA: remove it; a period of "none" with a limit is refused as a period."""
            if period == NO_QUOTA and not limit:
                return usage_plans.NO_QUOTA if plan and plan.quota_limit is not None else None
            was = ((_number(plan.quota_limit), plan.quota_period or NO_QUOTA, _number(plan.quota_offset)) if plan
                   else ("", NO_QUOTA, ""))
            if was == (limit, period, offset):
                return None
            return usage_plans.quota(limit, str(period), offset)

        if plan is None:
            name = self.value("#name")
            self.review(lambda engine: usage_plans.create(engine.place(), name=name, taken=taken,
                                                          description=description, rate=rate or None,
                                                          burst=burst or None, quota=quota()))
            return

        def changed(text: str, was: object) -> str | None:
            return text if text and text != _number(was) else None

        self.review(lambda engine: usage_plans.update(
            engine.usage_plan(plan.id), rate=changed(rate, plan.throttle.rate),
            burst=changed(burst, plan.throttle.burst), quota=quota(),
            description=description if description != plan.description else None))


class StageForm(CatalogForm):
    """Attach an API stage to a plan (choose the API, then its stage), or detach one it covers."""

    BINDINGS = bindings("plan-stage")

    def __init__(self, plan: UsagePlan, apis: list[Api], attach: bool, on_applied) -> None:
        super().__init__(on_applied)
        self.plan, self.apis, self.attach = plan, {a.id: a for a in apis}, attach

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("Attach an API stage to  " if self.attach else "Detach an API stage from  ",
                                        "bold"), self.plan.name))
            if self.attach:
                rest = sorted((a for a in self.apis.values() if a.protocol.value == "REST"), key=lambda a: a.name)
                yield _field("API", Select([(foreign(f"{a.name} ({a.id})"), a.id) for a in rest], prompt="choose", id="api"))
                yield _field("stage", Select([], prompt="(choose the API first)", id="stage"))
            else:
                yield _field("API stage", Select([(foreign(f"{self._name(api)}/{stage}"), stage_key(api, stage))
                                                  for api, stage in self.plan.api_stages], prompt="choose",
                                                 id="stage"))
            yield Static("", id="error")
            yield _footer("[b]ctrl+s[/b] review the plan")

    def _name(self, api_id: str) -> str:
        api = self.apis.get(api_id)
        return api.name if api else api_id

    @on(Select.Changed, "#api")
    def _api_chosen(self, event: Select.Changed) -> None:
        api = self.apis.get(str(event.value))
        if api is None:
            return

        def show(stages) -> None:
            self.query_one("#stage", Select).set_options([(foreign(s.name), s.name) for s in stages])

        gateway = self.app.gateway
        in_thread(self, lambda: gateway.stages(api), show, group="stages", title="Stages")

    def action_review(self) -> None:
        plan_id, chosen = self.plan.id, self.query_one("#stage", Select).value
        if chosen == Select.BLANK:
            self.query_one("#error", Static).update("Choose an API stage first.")
            return
        if self.attach:
            api = self.apis[str(self.query_one("#api", Select).value)]
            self.review(lambda engine: usage_plans.attach(engine.usage_plan(plan_id), api, str(chosen),
                                                          [s.name for s in engine.gateway.stages(api)]))
            return
        api_id, _, stage = str(chosen).partition(":")
        api = self.apis.get(api_id)
        if api is None:  # the plan covers an API this region no longer lists
            self.query_one("#error", Static).update(foreign(f"API {api_id} is not in this region's API list."))
            return
        self.review(lambda engine: usage_plans.detach(engine.usage_plan(plan_id), api, stage))


class MethodThrottleForm(CatalogForm):
    """One method's per-key throttle on a stage the plan covers; ctrl+d removes it."""

    BINDINGS = bindings("plan-method")

    def __init__(self, plan: UsagePlan, apis: list[Api], on_applied) -> None:
        super().__init__(on_applied)
        self.plan, self.apis = plan, {a.id: a for a in apis}

    def compose(self) -> ComposeResult:
        names = {a: (self.apis[a].name if a in self.apis else a) for a, _ in self.plan.api_stages}
        current = "; ".join(f"{names.get(a, a)}/{s} {m}: {throttle(t)}" for a, s, m, t in self.plan.method_throttles)
        with Vertical(id="form"):
            yield Static(assemble(("Method throttle  ", "bold"), self.plan.name,
                                       (f"\nnow: {current or 'none'}", "dim")))
            yield _field("API stage", Select([(f"{names[a]}/{s}", stage_key(a, s)) for a, s in self.plan.api_stages],
                                             prompt="choose", id="stage"))
            yield _field("method", Input(placeholder="VERB /path, e.g. POST /orders", id="method"))
            yield _field("rate (rps)", Input(placeholder="per key (blank: unchanged)", id="rate"))
            yield _field("burst", Input(placeholder="per key (blank: unchanged)", id="burst"))
            yield Static("", id="error")
            yield _footer("[b]ctrl+s[/b] review · [b]ctrl+d[/b] remove the method's throttle")

    def _chosen(self):
        chosen = self.query_one("#stage", Select).value
        if chosen == Select.BLANK:
            self.query_one("#error", Static).update("Choose an API stage first.")
            return None
        api_id, _, stage = str(chosen).partition(":")
        return self.apis[api_id], stage

    def action_review(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        api, stage = chosen
        plan_id, method = self.plan.id, self.value("#method")
        rate, burst = self.value("#rate") or None, self.value("#burst") or None
        self.review(lambda engine: usage_plans.set_method_throttle(
            engine.usage_plan(plan_id), engine.gateway.detail(api), stage, method, rate=rate, burst=burst))

    def action_remove(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            return
        api, stage = chosen
        plan_id, method = self.plan.id, self.value("#method")
        self.review(lambda engine: usage_plans.unset_method_throttle(engine.usage_plan(plan_id),
                                                                     engine.gateway.detail(api), stage, method))


class KeyForm(CatalogForm):
    """A new API key (value generated by AWS unless given; typed hidden), or a new name for one."""

    BINDINGS = bindings("key-form")

    def __init__(self, key: ApiKey | None, on_applied) -> None:
        super().__init__(on_applied)
        self.key = key

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(foreign("Rename API key " + self.key.name if self.key else "New API key", style="bold"))
            yield _field("name", Input(self.key.name if self.key else "", placeholder="acme-corp-prod", id="name"))
            if self.key is None:
                yield _field("description", Input(placeholder="(optional)", id="description"))
                yield _field("value", Input(placeholder="blank: AWS generates one (else 20 to 128 characters)",
                                            password=True, id="value"))
            yield Static("", id="error")
            yield _footer("[b]enter[/b]/[b]ctrl+s[/b] review the plan")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def action_review(self) -> None:
        name, key = self.value("#name"), self.key
        if key is not None:
            self.review(lambda engine: api_keys.rename(engine.api_key(key.id), name))
            return
        description, value = self.value("#description"), self.query_one("#value", Input).value or None

        def build(engine):
            taken_by = engine.gateway.keys_with_values([value]).get(value) if value else None
            return api_keys.create(engine.place(), name=name, value=value, description=description, taken_by=taken_by)

        self.review(build)


class KeyPlansForm(CatalogForm):
    """Add the key to a usage plan (enter) or remove it from one (ctrl+d)."""

    BINDINGS = bindings("key-plans")

    def __init__(self, key: ApiKey, plans: list[UsagePlan], member_of: tuple[str, ...], on_applied) -> None:
        super().__init__(on_applied)
        self.key, self.plans, self.member_of = key, {p.id: p for p in plans}, member_of

    def compose(self) -> ComposeResult:
        now = ", ".join(self.plans[p].name for p in self.member_of if p in self.plans) or "none"
        with Vertical(id="form"):
            yield Static(assemble(("Usage plans of  ", "bold"), self.key.name, (f"\nnow in: {now}", "dim")))
            yield _field("usage plan", Select([(f"{p.name}{'  (member)' if p.id in self.member_of else ''}", p.id)
                                               for p in self.plans.values()], prompt="choose", id="plan"))
            yield Static("", id="error")
            yield _footer("[b]ctrl+s[/b] add to the plan · [b]ctrl+d[/b] remove from it")

    def _plan(self) -> UsagePlan | None:
        chosen = self.query_one("#plan", Select).value
        if chosen == Select.BLANK:
            self.query_one("#error", Static).update("Choose a usage plan first.")
            return None
        return self.plans[str(chosen)]

    def action_review(self) -> None:
        plan, key_id, plans = self._plan(), self.key.id, self.plans
        if plan is None:
            return

        def build(engine):
            doc = engine.api_key(key_id)
            return api_keys.associate(doc, plan, [plans[p] for p in doc.raw["usagePlans"] if p in plans])

        self.review(build)

    def action_remove(self) -> None:
        plan, key_id = self._plan(), self.key.id
        if plan is not None:
            self.review(lambda engine: api_keys.dissociate(engine.api_key(key_id), plan))


class ImportForm(CatalogForm):
    """ImportApiKeys from an API key file (CSV) on this machine."""

    BINDINGS = bindings("key-import")

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("Import API keys  ", "bold"),
                                       ("CSV with Name,Key[,Description,Enabled,UsagePlanIds]", "dim")))
            yield _field("file", Input(placeholder="e.g. ~/keys.csv", id="path"))
            yield Static("", id="error")
            yield _footer("[b]enter[/b] review the plan")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def action_review(self) -> None:
        from pathlib import Path

        from actions.plan import Invalid

        path = Path(self.value("#path")).expanduser()
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as problem:
            self.show_invalid(Invalid("file", f"must be a readable UTF-8 file ({type(problem).__name__})", str(path)))
            return

        def build(engine):
            return api_keys.import_csv(engine.place(), text, source=path.name, path=str(path),
                                       plan_ids={p.id for p in engine.gateway.usage_plans()},
                                       taken=engine.gateway.keys_with_values(api_keys.key_values(text)))

        self.review(build)


class ExtendForm(CatalogForm):
    """How many requests a key may still make in its current quota period (UpdateUsage)."""

    BINDINGS = bindings("usage-extend")

    def __init__(self, plan: UsagePlan, key_id: str, key_name: str, left: int | None, on_applied) -> None:
        super().__init__(on_applied)
        self.plan, self.key_id, self.key_name, self.left = plan, key_id, key_name, left

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("Extend the quota of  ", "bold"), self.key_name,
                                       (f"\n{self.plan.name}: {self.plan.quota or 'no quota'}; left this period: "
                                        f"{DASH if self.left is None else f'{self.left:,}'}", "dim")))
            yield _field("requests left", Input(placeholder="it may still make this period, e.g. 50000",
                                                id="remaining"))
            yield Static("", id="error")
            yield _footer("[b]enter[/b] review the plan")

    def on_mount(self) -> None:
        self.query_one("#remaining", Input).focus()

    def action_review(self) -> None:
        plan, key_id, name, left, remaining = self.plan, self.key_id, self.key_name, self.left, self.value("#remaining")
        self.review(lambda engine: usage_plans.extend_quota(
            engine.usage_plan(plan.id), key_id=key_id, key_name=name, remaining=left, new_remaining=remaining,
            plan_keys={k.id for k in engine.gateway.plan_keys(plan.id, refresh=True)}))


class KeyValueScreen(ModalScreen[None]):
    """A new key's value, shown this once: it is not kept anywhere, and leaving this screen forgets it."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = bindings("key-value")

    def __init__(self, name: str, key_id: str, value: str) -> None:
        super().__init__()
        self.key_name, self.key_id, self._value = name, key_id, value

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(assemble(("New API key  ", "bold"), f"{self.key_name} ({self.key_id})"))
            yield Static(foreign(self._value, style="bold"), id="value")
            yield Static(Text("Shown this once: hand it to the client now. It is not kept; reveal it later from "
                              ":keys (v) if you must.", style="dim"))
            yield Static("[b]c[/b] copy it · [b]esc[/b] close and forget it", id="keys")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._value)
        self.notify("The key's value is on the clipboard.")


def _number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
