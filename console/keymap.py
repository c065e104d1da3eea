"""Every configurable key of the console: binding id, default keys, the action it runs, what it does.

Plain data, no Textual: the screens build their Bindings from it (screens.keys.bindings), the config
checks [keymap] ids against it, and `apigw-console keymap` prints it — one source for all three.
Keys are Textual's names ("slash", "question_mark", "ctrl+s"); several keys are a comma-separated list.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    id: str  # "screen.what": what [keymap] in config.toml names
    keys: str  # the default key(s), comma-separated
    action: str  # the Textual action it runs (the screen's action_<name>, or "app.<name>")
    description: str  # in the footer and `?`
    show: bool = True  # in the footer
    priority: bool = False  # before any focused widget's own keys


KEYS: tuple[Key, ...] = (
    # api.ApiScreen
    Key("api.open", "enter", "open", "Open stage"),
    Key("api.refresh", "r", "refresh", "Refresh"),
    Key("api.authorizers", "a", "authorizers", "Authorizers"),
    Key("api.back", "escape", "back", "Back"),
    # apis.ApiListScreen
    Key("apis.open", "enter", "open", "Open"),
    Key("apis.refresh", "r", "refresh", "Refresh"),
    # app.ConsoleApp
    Key("app.quit", "ctrl+q", "quit", "Quit", priority=True),
    Key("app.help", "question_mark", "help", "Keys"),
    Key("app.command", "colon", "command_line", "Command"),
    Key("app.undo", "ctrl+z", "undo", "Undo last change"),
    # audit.AuditScreen
    Key("audit.undo", "enter", "undo", "Undo this change"),
    Key("audit.refresh", "r", "refresh", "Refresh"),
    Key("audit.back", "escape", "app.pop_screen", "Back"),
    # authorizers.AuthorizersScreen
    Key("authorizers.test", "t", "test", "Test"),
    Key("authorizers.open", "enter", "open", "Open"),
    Key("authorizers.refresh", "r", "refresh", "Refresh"),
    Key("authorizers.back", "escape", "app.pop_screen", "Back"),
    # authorizers.AuthorizerTestForm
    Key("authorizer-test.send", "ctrl+s", "send", "Send test"),
    Key("authorizer-test.close", "escape", "app.pop_screen", "Close"),
    # cache.CacheForm
    Key("cache.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("cache.review", "ctrl+s", "review", "Review plan"),
    # canary.CanaryScreen
    Key("canary.create", "c", "create", "Create"),
    Key("canary.weight", "w", "weight", "Weight"),
    Key("canary.promote", "p", "promote", "Promote"),
    Key("canary.rollback", "x", "rollback", "Roll back"),
    Key("canary.pause", "0", "pause", "Weight 0"),
    Key("canary.overrides", "o", "overrides", "Overrides"),
    Key("canary.rollout", "s", "rollout", "Stepped rollout"),
    Key("canary.window", "m", "window", "Window"),
    Key("canary.refresh", "r", "refresh", "Refresh"),
    Key("canary.back", "escape", "back", "Back"),
    # canary_forms.CreateCanaryForm
    Key("canary-create.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("canary-create.review", "ctrl+s", "review", "Review plan"),
    # canary_forms.WeightForm
    Key("canary-weight.cancel", "escape", "app.pop_screen", "Cancel"),
    # canary_forms.OverridesForm
    Key("canary-overrides.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("canary-overrides.review", "ctrl+s", "review", "Review plan"),
    # canary_forms.RolloutForm
    Key("canary-rollout.cancel", "escape", "cancel", "Cancel"),
    # catalog.UsagePlansScreen
    Key("plans.usage", "enter", "usage", "Usage"),
    Key("plans.new", "n", "new", "New"),
    Key("plans.edit", "e", "edit", "Edit"),
    Key("plans.attach", "a", "attach", "Attach stage"),
    Key("plans.detach", "d", "detach", "Detach stage", show=False),
    Key("plans.method", "m", "method", "Method throttle", show=False),
    Key("plans.delete", "x", "delete", "Delete", show=False),
    Key("plans.refresh", "r", "refresh", "Refresh"),
    Key("plans.back", "escape", "app.pop_screen", "Back"),
    # catalog.ApiKeysScreen
    Key("keys.reveal", "v", "reveal", "Show/hide value"),
    Key("keys.new", "n", "new", "New"),
    Key("keys.toggle", "t", "toggle", "Enable/disable"),
    Key("keys.rotate", "o", "rotate", "Rotate"),
    Key("keys.plans", "p", "plans", "Plans"),
    Key("keys.rename", "e", "rename", "Rename", show=False),
    Key("keys.usage", "u", "usage", "Usage", show=False),
    Key("keys.import", "i", "import", "Import CSV", show=False),
    Key("keys.delete", "x", "delete", "Delete", show=False),
    Key("keys.mark", "space", "mark", "Mark (for E)", show=False),
    Key("keys.enable_marked", "E", "enable_marked", "Enable the marked keys", show=False),
    Key("keys.refresh", "r", "refresh", "Refresh"),
    Key("keys.back", "escape", "app.pop_screen", "Back"),
    # catalog_forms.PlanForm
    Key("plan-form.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("plan-form.review", "ctrl+s", "review", "Review plan"),
    # catalog_forms.StageForm
    Key("plan-stage.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("plan-stage.review", "ctrl+s", "review", "Review plan"),
    # catalog_forms.MethodThrottleForm
    Key("plan-method.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("plan-method.review", "ctrl+s", "review", "Review plan"),
    Key("plan-method.remove", "ctrl+d", "remove", "Remove throttle"),
    # catalog_forms.KeyForm
    Key("key-form.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("key-form.review", "ctrl+s", "review", "Review plan"),
    # catalog_forms.KeyPlansForm
    Key("key-plans.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("key-plans.add", "ctrl+s", "review", "Add to plan"),
    Key("key-plans.remove", "ctrl+d", "remove", "Remove from plan"),
    # catalog_forms.ImportForm
    Key("key-import.cancel", "escape", "app.pop_screen", "Cancel"),
    # catalog_forms.ExtendForm
    Key("usage-extend.cancel", "escape", "app.pop_screen", "Cancel"),
    # catalog_forms.KeyValueScreen
    Key("key-value.close", "escape,enter", "app.pop_screen", "Close"),
    Key("key-value.copy", "c", "copy", "Copy the value"),
    # command_line.CommandLine
    Key("command.cancel", "escape", "dismiss_line", "Cancel"),
    # confirm.ConfirmScreen
    Key("confirm.yes", "y", "yes", "Apply"),
    Key("confirm.enter", "enter", "yes", "Apply", show=False),
    Key("confirm.no", "n,escape", "no", "Cancel"),
    Key("confirm.copy", "c", "copy", "Copy aws command"),
    # connection.ConnectionScreen
    Key("ctx.choose", "enter", "choose", "Connect"),
    Key("ctx.refresh", "r", "refresh", "Retry / re-read"),
    Key("ctx.back", "escape", "app.pop_screen", "Back"),
    # connection.MfaScreen
    Key("mfa.cancel", "escape", "cancel", "Cancel"),
    # deployments.DeploymentsScreen
    Key("deployments.point", "enter", "point", "Point the stage here", show=False),
    Key("deployments.rollback", "b", "point", "Point the stage here"),
    Key("deployments.refresh", "r", "refresh", "Refresh"),
    Key("deployments.back", "escape", "app.pop_screen", "Back"),
    # runbook_params.RunbookParamsForm
    Key("runbook-params.run", "ctrl+s", "run", "Check and run"),
    Key("runbook-params.back", "escape", "back", "Back to the list"),
    # runbook.RunbookScreen
    Key("runbook.start", "enter", "start", "Run it", show=False),
    Key("runbook.cancel", "x", "cancel", "Stop the run"),
    Key("runbook.back", "escape", "back", "Back"),
    # runbook.GateScreen
    Key("gate.yes", "y", "yes", "Go on"),
    Key("gate.no", "n,escape", "no", "Stop the run"),
    # doctor.DoctorScreen
    Key("doctor.refresh", "r", "refresh", "Check again"),
    Key("doctor.back", "escape", "app.pop_screen", "Back"),
    # domains.DomainsScreen
    Key("domains.open", "enter", "open", "Open the stage", show=False),
    Key("domains.copy", "c", "copy", "Copy the URL"),
    Key("domains.refresh", "r", "refresh", "Refresh"),
    Key("domains.back", "escape", "app.pop_screen", "Back"),
    # served.CopyUrl
    Key("copy-url.close", "escape", "app.pop_screen", "Close"),
    # fleet.FleetScreen
    Key("fleet.open", "enter", "open", "Switch and open"),
    Key("fleet.refresh", "r", "refresh", "Refresh", show=False),
    Key("fleet.back", "escape", "app.pop_screen", "Back"),
    # forms.ThrottleForm
    Key("throttle.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("throttle.review", "ctrl+s", "review", "Review plan"),
    Key("throttle.remove", "ctrl+d", "remove", "Remove override"),
    # forms.VariablesForm
    Key("variables.cancel", "escape", "app.pop_screen", "Cancel"),
    Key("variables.review", "ctrl+s", "review", "Review plan"),
    Key("variables.editor", "ctrl+e", "external", "Open in $EDITOR"),
    # help.HelpScreen
    Key("help.close", "escape,question_mark,q", "app.pop_screen", "Close"),
    # filtering.ListFilter: every list view (the escape first clears a filter, then does the screen's)
    Key("list.filter", "slash", "filter", "Filter"),
    Key("list.clear", "escape", "clear_filter", "Clear the filter", show=False),
    # insights.InsightsScreen: enter in the query box runs it (the box has focus; tab reaches the rows)
    Key("insights.stop", "ctrl+c", "stop", "Stop query", priority=True),
    Key("insights.rerun", "r", "rerun", "Run again"),
    Key("insights.15m", "1", "window('15m')", "15 min"),
    Key("insights.1h", "2", "window('1h')", "1 h"),
    Key("insights.3h", "3", "window('3h')", "3 h"),
    Key("insights.24h", "4", "window('24h')", "24 h"),
    Key("insights.back", "escape", "back", "Back"),
    # logs.LogScreen
    Key("logs.pause", "p", "pause", "Pause/follow"),
    Key("logs.search", "slash", "search", "Search"),
    Key("logs.status", "s", "status", "5xx/4xx"),
    Key("logs.filter", "F", "filter", "Filter"),
    Key("logs.charts", "g", "charts", "Charts"),
    # The stage and its fixes (t, c and f are the view's own keys here: shift reaches the stage's).
    Key("logs.stage", "S", "stage", "Stage"),
    Key("logs.throttle", "T", "stage('throttle')", "Throttle the stage", show=False),
    Key("logs.canary", "C", "stage('canary')", "The stage's canary", show=False),
    Key("logs.detail", "enter", "detail", "Fields"),
    Key("logs.copy", "c", "copy", "Copy"),
    Key("logs.next", "n", "next_match(False)", "Next match", show=False),
    Key("logs.previous", "N", "next_match(True)", "Previous match", show=False),
    Key("logs.wrap", "w", "wrap", "Wrap", show=False),
    Key("logs.timestamps", "t", "timestamps", "Timestamps", show=False),
    Key("logs.raw", "o", "raw", "Raw lines", show=False),
    Key("logs.follow", "f", "follow", "Follow (jump to latest)", show=False),
    Key("logs.span", "plus", "span", "Charts 5/15 min", show=False),
    Key("logs.reconnect", "x", "reconnect", "Reconnect LiveTail", show=False),
    Key("logs.enable", "a", "enable", "Turn on access logging", show=False),
    Key("logs.metrics", "m", "metrics", "CloudWatch metrics", show=False),
    Key("logs.execution", "e", "execution", "Execution log (REST)", show=False),
    Key("logs.cause", "u", "cause", "4xx cause filter", show=False),
    Key("logs.keys", "K", "stage('keys')", "The stage's API keys", show=False),
    Key("logs.back", "escape", "back", "Back"),
    # metrics.MetricsScreen: the stage's incident keys first, as on the stage screen (at 80 columns the
    # footer's end is cut)
    Key("metrics.stage", "enter", "stage", "Stage"),
    Key("metrics.throttle", "t", "stage('throttle')", "Throttle"),
    Key("metrics.canary", "c", "stage('canary')", "Canary"),
    Key("metrics.flush", "f", "stage('flush')", "Flush"),
    Key("metrics.logs", "l", "logs", "Logs"),
    Key("metrics.15m", "1", "window('15m')", "15 min"),
    Key("metrics.1h", "2", "window('1h')", "1 h"),
    Key("metrics.3h", "3", "window('3h')", "3 h"),
    Key("metrics.24h", "4", "window('24h')", "24 h"),
    Key("metrics.refresh", "r", "refresh", "Refresh"),
    Key("metrics.back", "escape", "back", "Back"),
    # pulse.PulseScreen
    Key("pulse.open", "enter", "open", "Stage"),
    Key("pulse.throttle", "t", "fix('throttle')", "Throttle"),
    Key("pulse.canary", "c", "fix('canary')", "Canary"),
    Key("pulse.flush", "f", "fix('flush')", "Flush"),
    Key("pulse.logs", "l", "logs", "Logs"),
    Key("pulse.metrics", "m", "metrics", "Metrics"),
    Key("pulse.keys", "K", "keys", "The stage's API keys", show=False),
    Key("pulse.sort", "s", "sort", "Sort"),
    Key("pulse.refresh", "r", "refresh", "Refresh", show=False),
    Key("pulse.back", "escape", "back", "Back"),
    # rotation.RotationScreen
    Key("rotation.next", "enter", "next", "Run the next step"),
    Key("rotation.copy", "c", "copy", "Copy the new value"),
    Key("rotation.close", "escape", "app.pop_screen", "Close"),
    # stage.StageScreen: the incident keys first (at 80 columns the footer's last ones are cut; ? lists them all)
    Key("stage.throttle", "t", "throttle", "Throttle"),
    Key("stage.canary", "c", "canary", "Canary"),
    Key("stage.flush", "f", "flush", "Flush"),
    Key("stage.logs", "l", "logs", "Logs"),
    Key("stage.metrics", "m", "metrics", "Metrics"),
    Key("stage.deployments", "d", "deployments", "Deployments"),
    Key("stage.variables", "v", "variables", "Variables"),
    Key("stage.cache", "k", "cache", "Cache"),
    Key("stage.keys", "K", "keys", "API keys of its usage plans", show=False),
    Key("stage.flush_authorizers", "F", "flush_authorizers", "Flush authorizer cache", show=False),
    Key("stage.urls", "u", "urls", "Copy a URL it is served on", show=False),
    Key("stage.insights", "i", "insights", "Logs Insights query", show=False),
    Key("stage.refresh", "r", "refresh", "Refresh"),
    Key("stage.back", "escape", "back", "Back"),
    # usage.UsageScreen
    Key("usage.days", "d", "days", "Days"),
    Key("usage.all", "a", "all_keys", "All keys"),
    Key("usage.extend", "x", "extend", "Extend quota"),
    Key("usage.refresh", "r", "refresh", "Refresh"),
    Key("usage.back", "escape", "app.pop_screen", "Back"),

)
BY_ID = {key.id: key for key in KEYS}


def of(screen: str) -> tuple[Key, ...]:
    """The keys of one screen: the ids that start with "screen.", in the table's order."""
    return tuple(key for key in KEYS if key.id.startswith(f"{screen}."))
