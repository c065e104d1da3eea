"""The sandbox driven by the AWS CLI (v1, from the dev extra): a client nobody here wrote, with its own
parameter parsing, serialisers, response parsers and error handling. For what issue #16 mended — error paths,
deployments (REST and HTTP), metric math, GetLogEvents paging — each answer must be what the API reference
says, read as the AWS CLI reads it. In-process (`clidriver`), in a region of this module's own.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY

clidriver = pytest.importorskip("awscli.clidriver", reason="the dev extra installs awscli")

REGION = "ap-southeast-6"  # this module's own


ENVIRONMENT = (("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID), ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
               ("AWS_CONFIG_FILE", "/dev/null"), ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
               ("AWS_PAGER", ""), ("AWS_DISABLE_HOST_PREFIX_INJECTION", "true"))


@pytest.fixture(scope="module")
def driver():
    """One AWS CLI for the module (making one loads its command table: most of a second)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT:
            patch.setenv(name, value)
        yield clidriver.create_clidriver()


@pytest.fixture
def aws_cli(sandbox, driver, monkeypatch, capsys):
    """aws_cli("apigateway", "get-rest-apis", ...) -> (exit code, JSON answer or None, stderr)."""
    for name, value in ENVIRONMENT:
        monkeypatch.setenv(name, value)

    def run(*words: str) -> tuple[int, object, str]:
        capsys.readouterr()
        code = driver.main([*words, "--endpoint-url", sandbox.url, "--region", REGION, "--output", "json"])
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.strip() else None, err

    return run


@pytest.fixture
def rest_api(aws_cli, unique):
    code, api, err = aws_cli("apigateway", "create-rest-api", "--name", unique("cli"))
    assert code == 0, err
    root = aws_cli("apigateway", "get-resources", "--rest-api-id", api["id"])[1]["items"][0]["id"]
    assert aws_cli("apigateway", "put-method", "--rest-api-id", api["id"], "--resource-id", root, "--http-method",
                   "GET", "--authorization-type", "NONE")[0] == 0
    assert aws_cli("apigateway", "put-integration", "--rest-api-id", api["id"], "--resource-id", root,
                   "--http-method", "GET", "--type", "MOCK")[0] == 0
    return api["id"]


def test_deployments_answer_the_documented_shape_and_an_unknown_one_is_not_found(aws_cli, rest_api):
    """CreateDeployment answers the Deployment resource (id, description, createdDate: no stageName);
    GetDeployment of an unknown id is 404 NotFoundException, not a server error."""
    code, deployment, err = aws_cli("apigateway", "create-deployment", "--rest-api-id", rest_api, "--stage-name",
                                    "dev", "--description", "v1")
    assert code == 0, err
    assert {"id", "description", "createdDate"} <= deployment.keys() and "stageName" not in deployment
    code, _, err = aws_cli("apigateway", "get-deployment", "--rest-api-id", rest_api, "--deployment-id", "nope42")
    assert code != 0 and "(NotFoundException)" in err


def test_usage_plan_errors_are_the_references_codes(aws_cli, rest_api, unique):
    """UpdateUsagePlan with a path a plan does not have is 400 BadRequestException; adding a key twice to
    a plan is 409 ConflictException."""
    aws_cli("apigateway", "create-deployment", "--rest-api-id", rest_api, "--stage-name", "prod")
    code, plan, err = aws_cli("apigateway", "create-usage-plan", "--name", unique("plan"), "--api-stages",
                              f"apiId={rest_api},stage=prod")
    assert code == 0, err
    code, _, err = aws_cli("apigateway", "update-usage-plan", "--usage-plan-id", plan["id"], "--patch-operations",
                           "op=replace,path=/bogus,value=1")
    assert code != 0 and "(BadRequestException)" in err
    key = aws_cli("apigateway", "create-api-key", "--name", unique("key"), "--enabled")[1]["id"]
    adding = ("apigateway", "create-usage-plan-key", "--usage-plan-id", plan["id"], "--key-id", key, "--key-type",
              "API_KEY")
    assert aws_cli(*adding)[0] == 0
    code, _, err = aws_cli(*adding)
    assert code != 0 and "(ConflictException)" in err


def test_an_http_api_stage_with_auto_deploy_serves_an_automatic_deployment(aws_cli, unique):
    code, api, err = aws_cli("apigatewayv2", "create-api", "--name", unique("http"), "--protocol-type", "HTTP")
    assert code == 0, err
    code, stage, err = aws_cli("apigatewayv2", "create-stage", "--api-id", api["ApiId"], "--stage-name", "$default",
                               "--auto-deploy")
    assert code == 0 and stage["DeploymentId"] in stage["LastDeploymentStatusMessage"], err
    deployments = aws_cli("apigatewayv2", "get-deployments", "--api-id", api["ApiId"])[1]["Items"]
    assert [(d["DeploymentId"], d["AutoDeployed"]) for d in deployments] == [(stage["DeploymentId"], True)]


def test_metric_math_the_cli_sends_is_evaluated_or_refused_by_name(aws_cli):
    """GetMetricData with FILL over a series with gaps answers values; a function the sandbox lacks is a
    ValidationException that names it."""
    end = int(time.time()) // 60 * 60
    metric = {"Namespace": "Probe/CLI", "MetricName": "Hits", "Dimensions": [{"Name": "Where", "Value": "cli"}]}
    data = [{**{k: v for k, v in metric.items() if k != "Namespace"}, "Timestamp": end - 60 * n, "Value": float(n)}
            for n in (1, 3)]
    assert aws_cli("cloudwatch", "put-metric-data", "--namespace", "Probe/CLI", "--metric-data", json.dumps(data))[0] == 0
    queries = [{"Id": "m", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}, "ReturnData": False},
               {"Id": "filled", "Expression": "FILL(m, 0)"}]
    code, answer, err = aws_cli("cloudwatch", "get-metric-data", "--start-time", str(end - 300), "--end-time",
                                str(end), "--metric-data-queries", json.dumps(queries))
    assert code == 0, err
    filled = answer["MetricDataResults"][0]
    assert filled["Id"] == "filled" and 0.0 in filled["Values"] and {1.0, 3.0} <= set(filled["Values"])
    queries[1]["Expression"] = "ANOMALY_DETECTION_BAND(m)"
    code, _, err = aws_cli("cloudwatch", "get-metric-data", "--start-time", str(end - 300), "--end-time", str(end),
                           "--metric-data-queries", json.dumps(queries))
    # the error's shape (ValidationException) or, where the CLI speaks CloudWatch's query protocol, its code
    assert code != 0 and re.search(r"\(Validation(Exception|Error)\)", err) and "ANOMALY_DETECTION_BAND" in err


def test_get_log_events_pages_as_the_reference_says(aws_cli, unique):
    """A stream of 3 events read 2 at a time: the CLI's own paging follows nextForwardToken to the end
    (where the token comes back unchanged) and gets each event once, in order."""
    group, stream = unique("/cli/group"), "s1"
    assert aws_cli("logs", "create-log-group", "--log-group-name", group)[0] == 0
    assert aws_cli("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", stream)[0] == 0
    now = int(time.time() * 1000)
    events = [{"timestamp": now - 3000 + n, "message": f"line {n}"} for n in range(3)]
    assert aws_cli("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", stream,
                   "--log-events", json.dumps(events))[0] == 0
    code, first, err = aws_cli("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream,
                               "--start-from-head", "--limit", "2")
    assert code == 0, err
    code, rest, err = aws_cli("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream,
                              "--start-from-head", "--limit", "2", "--next-token", first["nextForwardToken"])
    assert code == 0, err
    code, end, _ = aws_cli("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", stream,
                           "--start-from-head", "--limit", "2", "--next-token", rest["nextForwardToken"])
    assert [e["message"] for e in first["events"] + rest["events"]] == ["line 0", "line 1", "line 2"]
    assert end["events"] == [] and end["nextForwardToken"] == rest["nextForwardToken"]
