"""Every plan kind's equivalent `aws` command, run through the AWS CLI's own parser (awscli, in the dev
extra: it brings its own botocore, so it installs beside ours). The command is parsed as `aws` parses it,
the request it would send is caught before it leaves, and its parameters must be the call the console
sends: booleans as --flag/--no-flag, blobs read with fileb://, structures as JSON, all shell-quoted."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

import pytest

from actions import access_logging, api_keys, cache, canary, deployments, stage_variables, throttle, usage_plans
from actions.canary_gate import Verdict
from actions.plan import Plan, Target
from actions.resource_doc import ResourceDoc
from actions.stage_doc import StageDoc
from console.model import Api, ApiDetail, Deployment, Protocol, Resource, Route, Throttle, UsagePlan

clidriver = pytest.importorskip("awscli.clidriver", reason="the dev extra installs awscli")

NOW = datetime.now(UTC)
PLACE = Target("123456789012", "eu-west-1", "ops team", "http://127.0.0.1:1")  # a profile that needs quoting


def rest_doc(raw: dict | None = None) -> StageDoc:
    api = Api("r1", "shop", Protocol.REST, "REGIONAL", None, "", NOW)
    structure = ApiDetail(api, resources=(Resource("a", "/items", ("GET", "POST")),),
                          deployments=(Deployment("d1", "v1", None), Deployment("d0", "v0", None)))
    target = Target(**{**vars(PLACE), "api_id": "r1", "api_name": "shop", "protocol": "REST", "stage": "dev"})
    document = {"stageName": "dev", "deploymentId": "d1", "cacheClusterEnabled": False,
                "methodSettings": {"*/*": {"throttlingRateLimit": 100.0, "throttlingBurstLimit": 200},
                                   "~1items/GET": {"throttlingRateLimit": 7.0, "throttlingBurstLimit": 9}},
                "variables": {"backendHost": "a.example", "note": "a&b=c"}}
    return StageDoc(target, False, api, {**document, **(raw or {})}, structure)


def http_doc() -> StageDoc:
    api = Api("h1", "catalog", Protocol.HTTP, "REGIONAL", None, "", NOW)
    structure = ApiDetail(api, routes=(Route("r", "GET /items", "", "NONE"),))
    target = Target(**{**vars(PLACE), "api_id": "h1", "api_name": "catalog", "protocol": "HTTP", "stage": "dev"})
    return StageDoc(target, False, api, {"StageName": "dev", "DefaultRouteSettings": {
        "ThrottlingRateLimit": 100.0, "ThrottlingBurstLimit": 200}, "StageVariables": {"a": "1"}}, structure)


def usage_plan_doc(stages: dict | None = None) -> ResourceDoc:
    target = Target(**{**vars(PLACE), "resource": "usage-plan", "resource_id": "up1", "resource_name": "gold"})
    return ResourceDoc(target, {"id": "up1", "name": "gold", "throttle": {"rateLimit": 10.0, "burstLimit": 20},
                                "quota": {"limit": 1000, "period": "DAY", "offset": 0},
                                "apiStages": {"r1:dev": {}} if stages is None else stages})


def key_doc(plans: tuple[str, ...] = ()) -> ResourceDoc:
    target = Target(**{**vars(PLACE), "resource": "api-key", "resource_id": "k1", "resource_name": "partner"})
    return ResourceDoc(target, {"id": "k1", "name": "partner", "enabled": True, "usagePlans": {p: True for p in plans}})


def gold() -> UsagePlan:
    return UsagePlan("up1", "gold", "", Throttle(10.0, 20), 1000, "DAY", 0, (("r1", "dev"),), NOW)


CSV = "Name,Key,Enabled\npartner-a,abcdefghijklmnopqrstuvwxyz0123,true\n"


def plans(tmp_path) -> list[Plan]:
    """One plan of every kind the console makes, REST and HTTP alike, and each one's undo."""
    keys = tmp_path / "keys file.csv"
    keys.write_text(CSV)
    with_canary = rest_doc({"canarySettings": {"percentTraffic": 10.0, "deploymentId": "d0"}})
    made = [
        throttle.set_throttle(rest_doc(), selector=None, rate="50", burst="80"),
        throttle.set_throttle(rest_doc(), selector="GET /items", rate="5", burst=None),
        throttle.unset_throttle(rest_doc(), selector="GET /items"),
        throttle.set_throttle(http_doc(), selector=None, rate="50", burst="80"),
        throttle.set_throttle(http_doc(), selector="GET /items", rate="5", burst="9"),
        stage_variables.set_variables(rest_doc(), {"backendHost": "b.example", "new": "x#y?z"}),
        stage_variables.unset_variables(rest_doc(), ["note"]),
        stage_variables.set_variables(http_doc(), {"a": "2"}),
        cache.flush_stage_cache(rest_doc()),
        cache.flush_authorizers_cache(rest_doc()),
        cache.flush_authorizers_cache(http_doc()),
        cache.set_cache(rest_doc(), cluster=True, size="0.5"),
        cache.set_cache(rest_doc(), caching=True, ttl="60"),
        access_logging.enable(rest_doc(), group="/aws/apigw/shop", group_exists=True),
        access_logging.enable(http_doc(), group="/aws/apigw/catalog", group_exists=True),
        deployments.point(rest_doc(), "d0"),
        canary.create(rest_doc(), weight="10", deployment="d0", use_stage_cache=True),
        canary.create(rest_doc(), weight="5", description="it's the \"new\" build; $HOME `id`"),
        canary.weigh(with_canary, "25"),
        canary.pause(with_canary),
        canary.promote(with_canary, Verdict(passed=("ok",), failed=())),
        canary.remove(with_canary),
        api_keys.create(PLACE, name="partner", description="for the partner", enabled=False),
        api_keys.create(PLACE, name="partner", enabled=True),
        api_keys.set_enabled(key_doc(), False),
        api_keys.rename(key_doc(), "partner-2"),
        api_keys.associate(key_doc(), gold(), ()),
        api_keys.dissociate(key_doc(("up1",)), gold()),
        api_keys.delete(key_doc()),
        api_keys.import_csv(PLACE, CSV, source=keys.name, plan_ids=(), taken={}, path=str(keys)),
        usage_plans.create(PLACE, name="silver", taken=(), description="d", rate="10", burst="20",
                           quota=usage_plans.quota("1000", "DAY")),
        usage_plans.update(usage_plan_doc(), rate="11", burst="21"),
        usage_plans.delete(usage_plan_doc({}), 0),
        usage_plans.attach(usage_plan_doc({}), rest_doc().api, "dev", ("dev",)),
        usage_plans.detach(usage_plan_doc(), rest_doc().api, "dev"),
        usage_plans.extend_quota(usage_plan_doc(), key_id="k1", key_name="partner", plan_keys=("k1",),
                                 remaining=3, new_remaining="500"),
    ]
    return made + [p.inverse for p in made if p.inverse is not None]


class Caught(Exception):
    pass


@pytest.fixture
def aws(monkeypatch):
    """`aws LINE` -> (service, operation, parameters) it would send, caught before it leaves."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")  # the profile is named, not read: its keys come by env
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    seen: list = []

    def catch(params, model, **_):
        seen.append((model.service_model.service_name, model.name, params))
        raise Caught()

    driver = clidriver.create_clidriver()
    driver.session.register("before-parameter-build", catch)

    def parse(line: str) -> tuple[str, str, dict]:
        words = shlex.split(line)
        assert words[0] == "aws"
        words = [w for i, w in enumerate(words) if w != "--profile" and words[i - 1] != "--profile"]
        seen.clear()
        code = driver.main(words[1:])
        assert seen, f"`aws` did not parse {line} (exit {code})"
        return seen[0]

    return parse


def test_every_plan_kind_parses_as_the_same_request(tmp_path, aws, capsys):
    made = plans(tmp_path)
    assert {p.call.operation for p in made} >= {
        "UpdateStage", "CreateDeployment", "FlushStageCache", "FlushStageAuthorizersCache", "ResetAuthorizersCache",
        "CreateApiKey", "DeleteApiKey", "UpdateApiKey", "CreateUsagePlanKey", "DeleteUsagePlanKey", "ImportApiKeys",
        "CreateUsagePlan", "UpdateUsagePlan", "DeleteUsagePlan", "UpdateUsage", "DeleteAccessLogSettings"}
    for plan in made:
        line = plan.aws_cli()
        assert "\n" not in line
        service, operation, params = aws(line)
        expected = dict(plan.shown_call.params)
        if "body" in expected:  # the blob, read from its file as the AWS CLI reads fileb://
            expected["body"] = CSV.encode()
        assert (service, operation, params) == (plan.call.service, plan.call.operation, expected), line
    capsys.readouterr()


def test_booleans_and_blobs_are_written_as_the_aws_cli_takes_them(tmp_path):
    line = api_keys.create(PLACE, name="partner", enabled=False).aws_cli()
    assert "--no-enabled" in line and "false" not in line
    imported = api_keys.import_csv(PLACE, CSV, source="k.csv", plan_ids=(), taken={}, path="/tmp/my keys.csv")
    assert "--body 'fileb:///tmp/my keys.csv'" in imported.aws_cli()
    assert "--fail-on-warnings" in imported.aws_cli()
    assert "--profile 'ops team'" in imported.aws_cli()
