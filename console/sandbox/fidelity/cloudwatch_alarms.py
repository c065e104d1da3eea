"""CloudWatch metric alarms that CloudWatch would recognise: evaluated each minute, with their history.

moto 5.2.5 stores an alarm and never evaluates it: a new alarm is OK rather than INSUFFICIENT_DATA,
an update resets its state, DescribeAlarms applies one filter of several, and DescribeAlarmHistory
and composite alarms do not exist. The sandbox keeps each metric alarm's definition (its
PutMetricAlarm parameters) and state in an `AlarmBook` on moto's CloudWatch backend (moto's reset
clears it; the estate snapshot keeps it), answers the alarm calls from it, and still forwards the
writes to moto, whose copy keeps the alarm's tags.

Evaluation follows CloudWatch for an alarm on one metric: at the end of every period, the last
`EvaluationPeriods` datapoints of the metric in the sandbox's store (cloudwatch_store), with the
alarm's statistic and unit, are compared with the threshold; `DatapointsToAlarm` of them breaching
make ALARM, fewer make OK; missing datapoints are handled as `TreatMissingData` says (below). A
state change is recorded with its reason, as CloudWatch words it, and appended to the alarm's
history. Alarms on metric math or anomaly bands are kept and described but not evaluated.

The evaluations are made when someone next asks about alarms, for every period that has ended since
the last one (and EVALUATION_DELAY more, so the period's data has arrived), each stamped with the
time it stands for: a reader cannot tell them from evaluations made on the minute, and a test can
write a past incident's metrics first and read the alarms' verdicts on it after.
"""

from __future__ import annotations

import base64
import json
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from console.sandbox import moto_seam
from console.sandbox.fidelity.cloudwatch_store import (
    BASIC_STATISTICS,
    Store,
    buckets,
    check_period,
    dimension_set,
    is_extended,
    statistic,
)
from console.sandbox.fidelity.cloudwatch_wire import CloudWatchError, epoch, invalid

_BOOK = "apigw_console_alarm_book"  # attribute of moto's CloudWatch backend
_LOCK = threading.RLock()  # every book of the process: evaluations are short

EVALUATION_DELAY = 15.0  # seconds after a period ends before it is evaluated (its data has arrived)
EXTRA_PERIODS = 2  # CloudWatch looks this much further back for datapoints when some are missing
MAX_CATCH_UP = 86_400  # an alarm not evaluated for longer is evaluated over the last day only
HISTORY_LIMIT = 20_000  # history items kept per account and region, newest
DESCRIBE_PAGE, HISTORY_PAGE = 50, 100  # default MaxRecords
ALARM_STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
MISSING = ("missing", "ignore", "breaching", "notBreaching")
_COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
_BAND_COMPARISONS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")
_KEPT = ("AlarmName", "AlarmDescription", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
         "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit", "EvaluationPeriods",
         "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
         "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId")


# --- The book --------------------------------------------------------------------------------------


@dataclass
class Alarm:
    """One metric alarm: its definition as PutMetricAlarm gave it, and its state."""

    definition: dict[str, Any]
    arn: str
    configured_at: float
    actions_enabled: bool = True
    state: str = "INSUFFICIENT_DATA"
    reason: str = "Unchecked: Initial alarm creation"
    reason_data: str | None = None
    updated_at: float = 0.0  # StateUpdatedTimestamp
    transitioned_at: float = 0.0  # StateTransitionedTimestamp
    evaluated_to: float = 0.0  # the end of the last period evaluated

    @property
    def name(self) -> str:
        return self.definition["AlarmName"]

    @property
    def period(self) -> int:
        return int(self.definition.get("Period") or 60)

    @property
    def evaluated(self) -> bool:
        """An alarm on one metric with a threshold: the kind the sandbox evaluates."""
        return bool(self.definition.get("MetricName")) and self.definition.get("ComparisonOperator") in _COMPARISONS

    def describe(self) -> dict[str, Any]:
        """The alarm as DescribeAlarms returns it (a MetricAlarm)."""
        described = {key: value for key, value in self.definition.items() if value is not None}
        described.update(
            AlarmArn=self.arn, AlarmConfigurationUpdatedTimestamp=self.configured_at,
            ActionsEnabled=self.actions_enabled, StateValue=self.state, StateReason=self.reason,
            StateUpdatedTimestamp=self.updated_at, StateTransitionedTimestamp=self.transitioned_at,
        )
        for key in ("OKActions", "AlarmActions", "InsufficientDataActions", "Dimensions"):
            described.setdefault(key, [])
        if self.reason_data is not None:
            described["StateReasonData"] = self.reason_data
        return described


@dataclass
class AlarmBook:
    """The metric alarms of one account and region, and their history (oldest first)."""

    alarms: dict[str, Alarm] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def record(self, alarm: Alarm, at: float, kind: str, summary: str, data: dict[str, Any]) -> None:
        self.history.append({"AlarmName": alarm.name, "AlarmType": "MetricAlarm", "Timestamp": at,
                             "HistoryItemType": kind, "HistorySummary": summary,
                             "HistoryData": json.dumps({"version": "1.0", **data})})
        if len(self.history) > HISTORY_LIMIT:
            del self.history[:len(self.history) - HISTORY_LIMIT]

    def restart(self, since: float) -> None:
        """Begin every alarm afresh at `since`, as if created then: the sandbox's history was drawn anew
        from that moment, so the alarms' past is evaluated again over it."""
        with _LOCK:
            self.history.clear()
            for alarm in self.alarms.values():
                alarm.configured_at = alarm.updated_at = alarm.transitioned_at = since
                alarm.state, alarm.reason, alarm.reason_data = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation", None
                alarm.evaluated_to = since // alarm.period * alarm.period
                self.record(alarm, since, "ConfigurationUpdate", f'Alarm "{alarm.name}" created',
                            {"type": "Create", "createdAlarm": _configuration(alarm)})


def book_for(account: str, region: str) -> AlarmBook:
    """The alarm book of an account and region, kept on moto's CloudWatch backend."""
    backend = moto_seam.backend("cloudwatch", account, region)
    with _LOCK:
        return vars(backend).setdefault(_BOOK, AlarmBook())


# --- Evaluation ------------------------------------------------------------------------------------


def evaluate_due(book: AlarmBook, store: Store, now: float) -> None:
    """Evaluate every alarm at the end of each of its periods that has ended (EVALUATION_DELAY ago)."""
    with _LOCK:
        for alarm in book.alarms.values():
            if alarm.evaluated:
                _catch_up(book, alarm, store, now)


def _catch_up(book: AlarmBook, alarm: Alarm, store: Store, now: float) -> None:
    period = alarm.period
    last = (now - EVALUATION_DELAY) // period * period
    first = max(alarm.evaluated_to + period, last - MAX_CATCH_UP // period * period)
    if last < first:
        return
    series = _datapoints(alarm, store, first - _range(alarm) * period, last)
    for end in _ends(first, last, period):
        verdict = _verdict(alarm, series, end)
        if verdict is not None:
            _transition(book, alarm, end + EVALUATION_DELAY, *verdict)
    alarm.evaluated_to = last


def _ends(first: float, last: float, period: int):
    end = first
    while end <= last:
        yield end
        end += period


def _range(alarm: Alarm) -> int:
    return int(alarm.definition["EvaluationPeriods"]) + EXTRA_PERIODS


def _datapoints(alarm: Alarm, store: Store, start: float, end: float) -> dict[float, tuple[float, float]]:
    """{period start: (value of the alarm's statistic, sample count)} for the periods in [start, end)."""
    spec = alarm.definition
    stat = spec.get("ExtendedStatistic") or spec.get("Statistic")
    metric = store.find(spec.get("Namespace"), spec.get("MetricName"), spec.get("Dimensions"))
    grouped = buckets(store.between(metric, start, end), start, alarm.period, spec.get("Unit"))
    points = {}
    for stamp, samples in grouped.items():
        value = statistic(samples, stat)
        if value is not None:
            points[stamp] = (value, statistic(samples, "SampleCount"))
    return points


Verdict = tuple[str, str, dict[str, Any]]  # state, reason, reason data


def _verdict(alarm: Alarm, series: dict[float, tuple[float, float]], end: float) -> Verdict | None:
    """The alarm's state at the end of a period, or None to keep the state it has."""
    spec, period = alarm.definition, alarm.period
    wanted = int(spec["EvaluationPeriods"])
    needed = int(spec.get("DatapointsToAlarm") or wanted)
    compare, words = _COMPARISONS[spec["ComparisonOperator"]]
    threshold = float(spec["Threshold"])
    treat = spec.get("TreatMissingData") or "missing"
    stamps = [end - k * period for k in range(_range(alarm), 0, -1)]  # oldest first
    real = [(stamp, series[stamp]) for stamp in stamps if stamp in series]
    data = _reason_data(alarm, end, stamps, real)
    if len(real) >= wanted:  # enough real datapoints: the newest of them decide, missing ones do not matter
        chosen = real[-wanted:]
        breaching = [(t, v) for t, (v, _) in chosen if compare(v, threshold)]
        return _crossed(alarm, "ALARM" if len(breaching) >= needed else "OK", chosen, breaching, words, data)
    if not real:
        if treat == "missing":
            return "INSUFFICIENT_DATA", f"Insufficient Data: {wanted} datapoints were unknown.", data
        if treat == "ignore":
            return None
        state = "ALARM" if treat == "breaching" else "OK"
        as_what = "Breaching" if treat == "breaching" else "NonBreaching"
        return state, (f"Threshold Crossed: no datapoints were received for {wanted} periods and {wanted} missing "
                       f"datapoints were treated as [{as_what}]."), data
    # Fewer real datapoints than EvaluationPeriods: the missing ones are filled as TreatMissingData says.
    filled = wanted - len(real)
    breaching = [(t, v) for t, (v, _) in real if compare(v, threshold)]
    if treat == "breaching":
        state = "ALARM" if len(breaching) + filled >= needed else "OK"
        return _crossed(alarm, state, real, breaching, words, data, filled, "Breaching")
    if treat == "notBreaching":
        state = "ALARM" if len(breaching) >= needed else "OK"
        return _crossed(alarm, state, real, breaching, words, data, filled, "NonBreaching")
    if treat == "missing":  # the missing datapoints count neither way
        state = "ALARM" if len(breaching) >= needed or len(breaching) == len(real) else "OK"
        return _crossed(alarm, state, real, breaching, words, data)
    # ignore: only a verdict the missing datapoints could not have changed
    if len(breaching) >= needed:
        return _crossed(alarm, "ALARM", real, breaching, words, data)
    return None if breaching else _crossed(alarm, "OK", real, breaching, words, data)


def _crossed(alarm: Alarm, state: str, chosen: list, breaching: list, words: str, data: dict[str, Any],
             filled: int = 0, filled_as: str | None = None) -> Verdict:
    """CloudWatch's wording: "Threshold Crossed: 2 out of the last 5 datapoints [..] were greater than ...";
    `filled` missing datapoints counted as `filled_as` (Breaching, NonBreaching) beside the real ones."""
    spec = alarm.definition
    threshold = float(spec["Threshold"])
    wanted = int(spec["EvaluationPeriods"])
    needed = int(spec.get("DatapointsToAlarm") or wanted)
    if state == "ALARM":
        shown, verb, minimum = breaching, words, needed
        count = len(shown) + (filled if filled_as == "Breaching" else 0)
    else:
        shown = [(t, v) for t, (v, _) in chosen if (t, v) not in breaching]
        verb, minimum = f"not {words}", wanted - needed + 1
        count = len(shown) + (filled if filled_as == "NonBreaching" else 0)
    total = len(chosen) + filled
    points = f" [{', '.join(f'{value!r} ({_reason_time(stamp)})' for stamp, value in reversed(shown))}]" if shown else ""
    reason = (f"Threshold Crossed: {count} out of the last {total} datapoint{_s(total)}{points} "
              f"{'was' if count == 1 else 'were'} {verb} the threshold ({threshold!r}) (minimum {minimum} "
              f"datapoint{_s(minimum)} for {alarm.state} -> {state} transition)")
    if filled and filled_as:
        reason += f" and {filled} missing datapoint{_s(filled)} {'was' if filled == 1 else 'were'} treated as [{filled_as}]"
    return state, reason + ".", data


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _reason_data(alarm: Alarm, end: float, stamps: list[float], real: list) -> dict[str, Any]:
    spec = alarm.definition
    wanted = int(spec["EvaluationPeriods"])
    evaluated = real[-wanted:]
    return {
        "version": "1.0", "queryDate": _iso(end + EVALUATION_DELAY), "startDate": _iso(stamps[-wanted]),
        "statistic": spec.get("ExtendedStatistic") or spec.get("Statistic"), "period": alarm.period,
        "recentDatapoints": [value for _, (value, _) in evaluated], "threshold": float(spec["Threshold"]),
        "evaluatedDatapoints": [{"timestamp": _iso(stamp), "sampleCount": count, "value": value}
                                for stamp, (value, count) in reversed(evaluated)],
    }


def _transition(book: AlarmBook, alarm: Alarm, at: float, state: str, reason: str, data: dict[str, Any] | str) -> None:
    """Change the alarm's state (nothing if it is already in `state`) and record the change."""
    if state == alarm.state:
        return
    old = {"stateValue": alarm.state, "stateReason": alarm.reason}
    reason_data = data if isinstance(data, str) else json.dumps(data)
    new = {"stateValue": state, "stateReason": reason}
    if reason_data:
        try:
            new["stateReasonData"] = json.loads(reason_data)
        except ValueError:
            pass
    book.record(alarm, at, "StateUpdate", f"Alarm updated from {alarm.state} to {state}",
                {"oldState": old, "newState": new})
    alarm.state, alarm.reason, alarm.reason_data = state, reason, reason_data or None
    alarm.updated_at = alarm.transitioned_at = at


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _reason_time(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).strftime("%d/%m/%y %H:%M:%S")


def _configuration(alarm: Alarm) -> dict[str, Any]:
    spec = {key: value for key, value in alarm.definition.items() if value is not None}
    return spec | {"alarmArn": alarm.arn, "actionsEnabled": alarm.actions_enabled}


# --- The calls -------------------------------------------------------------------------------------


@dataclass
class Context:
    """What an alarm call works with: the book and metric store of its account and region, and moto."""

    book: AlarmBook
    store: Store
    arn_prefix: str  # arn:aws:cloudwatch:<region>:<account>:alarm:
    forward: Callable[[], Any]  # moto's answer to the call itself (a Reply), for the writes moto keeps
    reply: Callable[[dict[str, Any] | None], Any]  # a successful reply, in the call's protocol
    now: float


def put_metric_alarm(ctx: Context, params: dict[str, Any]):
    """Create or replace an alarm: a new one starts INSUFFICIENT_DATA, a replaced one keeps its state."""
    definition = _checked_definition(params)
    with _LOCK:
        evaluate_due(ctx.book, ctx.store, ctx.now)
        answer = ctx.forward()  # moto keeps the alarm's tags
        if answer.status >= 400:
            return answer
        name = definition["AlarmName"]
        known = ctx.book.alarms.get(name)
        enabled = params.get("ActionsEnabled")
        alarm = Alarm(definition, ctx.arn_prefix + name, ctx.now, True if enabled is None else bool(enabled))
        if known is None:
            alarm.updated_at = alarm.transitioned_at = ctx.now
            alarm.evaluated_to = ctx.now // alarm.period * alarm.period
            ctx.book.alarms[name] = alarm
            ctx.book.record(alarm, ctx.now, "ConfigurationUpdate", f'Alarm "{name}" created',
                            {"type": "Create", "createdAlarm": _configuration(alarm)})
        else:
            for kept in ("state", "reason", "reason_data", "updated_at", "transitioned_at"):
                setattr(alarm, kept, getattr(known, kept))
            alarm.evaluated_to = max(known.evaluated_to, ctx.now // alarm.period * alarm.period) \
                if alarm.period == known.period else ctx.now // alarm.period * alarm.period
            ctx.book.alarms[name] = alarm
            ctx.book.record(alarm, ctx.now, "ConfigurationUpdate", f'Alarm "{name}" updated',
                            {"type": "Update", "updatedAlarm": _configuration(alarm),
                             "originalUpdatedFields": _changed(known.definition, definition)})
    return answer


def _changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: before.get(key) for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)}


def _checked_definition(params: dict[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm's parameters, validated as CloudWatch validates them; what the alarm keeps."""
    name = params.get("AlarmName")
    if not name:
        raise CloudWatchError("MissingRequiredParameterException", "The parameter AlarmName is required.")
    if len(name) > 255:
        raise _validation("The parameter AlarmName must be at most 255 characters long.")
    for required in ("EvaluationPeriods", "ComparisonOperator"):
        if params.get(required) in (None, ""):
            raise CloudWatchError("MissingRequiredParameterException", f"The parameter {required} is required.")
    operator = params["ComparisonOperator"]
    if operator not in _COMPARISONS and operator not in _BAND_COMPARISONS:
        raise _validation(f"The value {operator} for parameter ComparisonOperator is not valid.")
    periods = _whole(params["EvaluationPeriods"], "EvaluationPeriods")
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None and not 1 <= _whole(datapoints, "DatapointsToAlarm") <= periods:
        raise _validation("DatapointsToAlarm must be at least 1 and no more than EvaluationPeriods.")
    treat = params.get("TreatMissingData")
    if treat is not None and treat not in MISSING:
        raise _validation(f"The value {treat} for parameter TreatMissingData is not one of {', '.join(MISSING)}.")
    if params.get("Metrics"):
        if any(params.get(key) is not None for key in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic",
                                                       "Dimensions", "Period", "Unit")):
            raise CloudWatchError("InvalidParameterCombinationException",
                                  "Metrics cannot be combined with MetricName, Namespace, Dimensions, Period, Unit, "
                                  "Statistic or ExtendedStatistic.")
    else:
        _check_single_metric(params, operator, periods)
    return {key: params[key] for key in _KEPT if params.get(key) is not None}


def _check_single_metric(params: dict[str, Any], operator: str, periods: int) -> None:
    for required in ("MetricName", "Namespace", "Period"):
        if params.get(required) in (None, ""):
            raise CloudWatchError("MissingRequiredParameterException", f"The parameter {required} is required.")
    if bool(params.get("Statistic")) == bool(params.get("ExtendedStatistic")):
        raise CloudWatchError("InvalidParameterCombinationException",
                              "Exactly one of the parameters Statistic or ExtendedStatistic must be specified.")
    if params.get("Statistic") and params["Statistic"] not in BASIC_STATISTICS:
        raise invalid(f"The value {params['Statistic']} for parameter Statistic is not a valid statistic.")
    if params.get("ExtendedStatistic") and not is_extended(params["ExtendedStatistic"]):
        raise invalid(f"The value {params['ExtendedStatistic']} for parameter ExtendedStatistic is not supported.")
    period = check_period(params.get("Period"), "Period")
    if period in (1, 5):
        raise _validation("Period must be 10, 20, 30 or a multiple of 60 for an alarm.")
    if period * periods > (604_800 if period >= 3_600 else 86_400):
        raise _validation("The product of EvaluationPeriods and Period must not exceed one day "
                          "(seven days for periods of an hour or more).")
    if operator in _BAND_COMPARISONS and not params.get("ThresholdMetricId"):
        raise _validation(f"ComparisonOperator {operator} is for anomaly detection alarms, which need Metrics "
                          "and ThresholdMetricId.")
    if operator in _COMPARISONS and params.get("Threshold") is None:
        raise CloudWatchError("MissingRequiredParameterException", "The parameter Threshold is required.")


def describe_alarms(ctx: Context, params: dict[str, Any]):
    """Metric alarms by name, prefix, state and action, combined; by name; MaxRecords a page (50 unless
    asked). Composite alarms: the sandbox has none."""
    names, prefix = params.get("AlarmNames") or [], params.get("AlarmNamePrefix")
    if names and prefix:
        raise CloudWatchError("InvalidParameterCombinationException",
                              "AlarmNames and AlarmNamePrefix cannot be specified together.")
    if len(names) > 100:
        raise invalid("The collection AlarmNames must not have more than 100 members.")
    state = params.get("StateValue")
    if state is not None and state not in ALARM_STATES:
        raise invalid(f"The value {state} for parameter StateValue is not one of {', '.join(ALARM_STATES)}.")
    types = params.get("AlarmTypes") or ["MetricAlarm"]
    action = params.get("ActionPrefix")
    with _LOCK:
        evaluate_due(ctx.book, ctx.store, ctx.now)
        alarms = [alarm.describe() for name, alarm in sorted(ctx.book.alarms.items())
                  if (not names or name in names) and (not prefix or name.startswith(prefix))
                  and (state is None or alarm.state == state) and (not action or _acts(alarm, action))
                  and "MetricAlarm" in types]
    page, token = _page(alarms, params, DESCRIBE_PAGE)
    return ctx.reply({"MetricAlarms": page, "CompositeAlarms": [], **token})


def _acts(alarm: Alarm, prefix: str) -> bool:
    spec = alarm.definition
    return any(arn.startswith(prefix) for key in ("AlarmActions", "OKActions", "InsufficientDataActions")
               for arn in spec.get(key) or ())


def describe_alarms_for_metric(ctx: Context, params: dict[str, Any]):
    """The metric alarms on one metric (its dimensions as a set), narrowed by statistic, period and unit."""
    for required in ("MetricName", "Namespace"):
        if not params.get(required):
            raise CloudWatchError("MissingRequiredParameterException", f"The parameter {required} is required.")
    dimensions = dimension_set(params.get("Dimensions")) if params.get("Dimensions") is not None else None
    with _LOCK:
        evaluate_due(ctx.book, ctx.store, ctx.now)
        found = [alarm.describe() for _, alarm in sorted(ctx.book.alarms.items())
                 if _on_metric(alarm.definition, params, dimensions)]
    return ctx.reply({"MetricAlarms": found})


def _on_metric(spec: dict[str, Any], params: dict[str, Any], dimensions) -> bool:
    if (spec.get("MetricName"), spec.get("Namespace")) != (params["MetricName"], params["Namespace"]):
        return False
    if dimensions is not None and dimension_set(spec.get("Dimensions")) != dimensions:
        return False
    return all(params.get(key) in (None, spec.get(key)) for key in ("Statistic", "ExtendedStatistic", "Period", "Unit"))


def describe_alarm_history(ctx: Context, params: dict[str, Any]):
    """The history of one alarm or all, by type of item and time, newest first unless asked otherwise."""
    kind = params.get("HistoryItemType")
    if kind is not None and kind not in ("ConfigurationUpdate", "StateUpdate", "Action", "AlarmContributorStateUpdate",
                                         "AlarmContributorAction"):
        raise invalid(f"The value {kind} for parameter HistoryItemType is not valid.")
    scan = params.get("ScanBy") or "TimestampDescending"
    if scan not in ("TimestampDescending", "TimestampAscending"):
        raise invalid(f"The value {scan} for parameter ScanBy is not TimestampDescending or TimestampAscending.")
    start = epoch(params["StartDate"]) if params.get("StartDate") is not None else -math.inf
    end = epoch(params["EndDate"]) if params.get("EndDate") is not None else math.inf
    name, types = params.get("AlarmName"), params.get("AlarmTypes") or ["MetricAlarm"]
    with _LOCK:
        evaluate_due(ctx.book, ctx.store, ctx.now)
        items = [dict(item) for item in ctx.book.history
                 if (name is None or item["AlarmName"] == name) and (kind is None or item["HistoryItemType"] == kind)
                 and start <= item["Timestamp"] <= end and item["AlarmType"] in types]
    items.sort(key=lambda item: item["Timestamp"], reverse=scan == "TimestampDescending")
    page, token = _page(items, params, HISTORY_PAGE)
    return ctx.reply({"AlarmHistoryItems": page, **token})


def set_alarm_state(ctx: Context, params: dict[str, Any]):
    """Set an alarm's state for a test, until its next evaluation says otherwise; the change is in its history."""
    name, state, reason = params.get("AlarmName"), params.get("StateValue"), params.get("StateReason")
    for key, value in (("AlarmName", name), ("StateValue", state), ("StateReason", reason)):
        if value is None:
            raise CloudWatchError("MissingRequiredParameterException", f"The parameter {key} is required.")
    if state not in ALARM_STATES:
        raise _validation(f"1 validation error detected: Value '{state}' at 'stateValue' failed to satisfy "
                          f"constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]")
    reason_data = params.get("StateReasonData")
    if reason_data is not None:
        try:
            json.loads(reason_data)
        except ValueError as exc:
            raise CloudWatchError("InvalidFormatFault", f"The StateReasonData is not valid JSON: {exc}") from exc
    with _LOCK:
        evaluate_due(ctx.book, ctx.store, ctx.now)
        alarm = ctx.book.alarms.get(name)
        if alarm is None:
            raise CloudWatchError("ResourceNotFound", f"Alarm {name} not found.")
        if state == alarm.state:
            alarm.reason, alarm.reason_data, alarm.updated_at = reason, reason_data, ctx.now
        else:
            _transition(ctx.book, alarm, ctx.now, state, reason, reason_data or "")
    return ctx.reply(None)


def delete_alarms(ctx: Context, params: dict[str, Any]):
    """Delete alarms by name; none at all if one of the names is not an alarm."""
    names = params.get("AlarmNames") or []
    with _LOCK:
        unknown = [name for name in names if name not in ctx.book.alarms]
        if unknown:
            raise CloudWatchError("ResourceNotFound", f"{len(unknown)}/{len(names)} alarms not found: {unknown}.")
        answer = ctx.forward()
        if answer.status < 400:
            for name in names:
                del ctx.book.alarms[name]
    return answer


def _actions(enabled: bool):
    def set_actions(ctx: Context, params: dict[str, Any]):
        with _LOCK:
            answer = ctx.forward()
            if answer.status < 400:
                for name in params.get("AlarmNames") or []:
                    if name in ctx.book.alarms:
                        ctx.book.alarms[name].actions_enabled = enabled
        return answer

    return set_actions


def _page(items: list[dict[str, Any]], params: dict[str, Any], default: int) -> tuple[list, dict[str, str]]:
    limit = params.get("MaxRecords") or default
    if not 1 <= int(limit) <= 100:
        raise invalid("The parameter MaxRecords must be between 1 and 100.")
    offset = _offset(params.get("NextToken"))
    token = {"NextToken": _token(offset + int(limit))} if offset + int(limit) < len(items) else {}
    return items[offset:offset + int(limit)], token


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"alarms:{offset}".encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix == "alarms" and offset.isdigit():
            return int(offset)
    except ValueError:
        pass
    raise CloudWatchError("InvalidNextToken", "The NextToken is not valid.")


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or value < 1:
        raise _validation(f"The parameter {name} must be a whole number of at least 1.")
    return int(value)


def _validation(message: str) -> CloudWatchError:
    return CloudWatchError("ValidationException", message)


OPERATIONS: dict[str, Callable[[Context, dict[str, Any]], Any]] = {
    "PutMetricAlarm": put_metric_alarm,
    "DescribeAlarms": describe_alarms,
    "DescribeAlarmsForMetric": describe_alarms_for_metric,
    "DescribeAlarmHistory": describe_alarm_history,
    "SetAlarmState": set_alarm_state,
    "DeleteAlarms": delete_alarms,
    "EnableAlarmActions": _actions(True),
    "DisableAlarmActions": _actions(False),
}
