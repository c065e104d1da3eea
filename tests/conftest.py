"""Tests talk HTTP to a real sandbox endpoint, in an AWS environment that cannot reach AWS.

The shared sandbox is seeded once per session and its seeded regions are read-only for tests; a
test that creates things does so in `scratch_region`, under names of its own (`unique`).

Every test that needs the sandbox (through any fixture) or lives in tests/sandbox/ is marked
`sandbox` here, at collection; `make test-fast` runs the others (`-m "not sandbox"`), which need no
server and never start one.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from console.sandbox.server import Sandbox

SANDBOX_TESTS = Path(__file__).parent / "sandbox"
# Tests that run a sandbox of their own in a child process: no fixture says so, but they need one all the same.
OWN_SANDBOX = {
    "test_cli.py::test_embedded_sandbox_serves_the_estate_and_goes_away",
    "test_cli.py::test_sandbox_command_serves_in_the_foreground_until_interrupted",
}


def pytest_collection_modifyitems(config, items):
    """`sandbox` on every test that starts or uses the sandbox, so no module has to say so itself."""
    for item in items:
        path = Path(item.path)
        if ("sandbox" in getattr(item, "fixturenames", ()) or SANDBOX_TESTS in path.parents
                or f"{path.name}::{item.name}" in OWN_SANDBOX):
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture(scope="session", autouse=True)
def isolated_aws(tmp_path_factory):
    """No real profile, credential or region can leak into a test."""
    home = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                     "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(home / "config"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        # Plain clients retry throttling as a patient SDK user's would: the sandbox keeps AWS's
        # FilterLogEvents quota (5 a second per account and Region) and the tests share one Region.
        mp.setenv("AWS_RETRY_MODE", "standard")
        mp.setenv("AWS_MAX_ATTEMPTS", "10")
        mp.setenv("XDG_STATE_HOME", str(home / "state"))
        mp.setenv("XDG_CONFIG_HOME", str(home / "config-home"))
        mp.setenv("XDG_CACHE_HOME", str(home / "cache"))  # the session's sandbox builds its estate afresh
        yield


@pytest.fixture(scope="session", autouse=True)
def quick_pilot():
    """Pilot waits after each key until the process looks idle, in sleeps of 20 ms; the tests' process also
    serves a sandbox, so 5 ms sleeps tell idle as well and a key costs half the time (tests type thousands)."""
    import textual._wait as wait

    wait.SLEEP_GRANULARITY, wait.SLEEP_IDLE = 0.005, 0.00025


@pytest.fixture(scope="session")
def sandbox(isolated_aws) -> Sandbox:
    """The seeded sandbox, over HTTP on loopback, for the whole session."""
    from console.sandbox.server import start  # imported here: the fast lane never loads moto

    running = start(0, seeded=True)
    yield running
    running.stop()


SCRATCH_REGION = "ap-southeast-2"  # the seed leaves it empty


@pytest.fixture
def scratch_region() -> str:
    """A region the seed leaves empty, where tests may create what they need."""
    return SCRATCH_REGION


@pytest.fixture
def private_dirs(tmp_path, monkeypatch):
    """The journal and anything else the console writes land in this test's own directories."""
    for name in ("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


@pytest.fixture
def unpaced(monkeypatch):
    """UpdateUsagePlan's one call per 20 s (actions.pacing) is tested once; elsewhere it only slows tests."""
    from actions import pacing

    monkeypatch.setitem(pacing.PER_ACCOUNT, "UpdateUsagePlan", 0.0)


@pytest.fixture
def apigw(aws):
    """A plain API Gateway client on the scratch region (modules with their own `apigw` override it)."""
    return aws("apigateway", SCRATCH_REGION)


@pytest.fixture
def made(apigw):
    """("plan" | "key", id) registered here is deleted after the test (plans' stages detached first)."""
    from botocore.exceptions import ClientError

    created: list[tuple[str, str]] = []
    yield created
    for kind, ident in reversed(created):
        try:
            if kind == "plan":
                stages = apigw.get_usage_plan(usagePlanId=ident)["apiStages"]
                if stages:
                    apigw.update_usage_plan(usagePlanId=ident, patchOperations=[
                        {"op": "remove", "path": "/apiStages", "value": f"{s['apiId']}:{s['stage']}"} for s in stages])
                apigw.delete_usage_plan(usagePlanId=ident)
            else:
                apigw.delete_api_key(apiKey=ident)
        except ClientError:  # the test deleted it already
            pass


@pytest.fixture
def cli(sandbox, capsys):
    """The CLI in process, on the sandbox's scratch region: cli("vars", "show", ...) -> (code, out, err)."""
    from console.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--endpoint-url", sandbox.url, "--region", SCRATCH_REGION, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def unique():
    """Names no other test uses: unique("dup") -> "dup-1a2b3c4d"."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def connection(sandbox):
    from console.aws.session import Connection, Target

    return Connection(Target(endpoint_url=sandbox.url))


@pytest.fixture
def gateway(connection):
    from console.read.gateway import Gateway

    connection.identify()
    return Gateway(connection)


@pytest.fixture(scope="session")
def aws_client_for():
    """Plain boto3 clients on any local endpoint, as `aws --endpoint-url` would be (module fixtures too)."""
    import boto3

    from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY

    def client(url: str, service: str, region: str = "us-east-1", config=None):
        return boto3.client(service, endpoint_url=url, region_name=region, config=config,
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)

    return client


@pytest.fixture
def aws(sandbox, aws_client_for):
    """Plain boto3 clients on the shared sandbox: aws("apigateway"), aws("logs", "eu-west-1")."""
    return lambda service, region="us-east-1": aws_client_for(sandbox.url, service, region)


def build_rest(client, name: str) -> str:
    api = client.create_rest_api(name=name)["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    items = client.create_resource(restApiId=api, parentId=root, pathPart="items")["id"]
    item = client.create_resource(restApiId=api, parentId=items, pathPart="{id}")["id"]
    for resource, verb in ((items, "GET"), (items, "POST"), (item, "GET")):
        client.put_method(restApiId=api, resourceId=resource, httpMethod=verb, authorizationType="NONE")
        client.put_integration(restApiId=api, resourceId=resource, httpMethod=verb, type="MOCK")
    deployment = client.create_deployment(restApiId=api, description="v1")["id"]
    for stage in ("dev", "prod"):
        client.create_stage(restApiId=api, stageName=stage, deploymentId=deployment,
                            variables={"backendHost": "api.internal.example.com", "logLevel": "info"})
        client.update_stage(restApiId=api, stageName=stage, patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "200"},
            {"op": "replace", "path": "/~1items/POST/throttling/rateLimit", "value": "10"},
            {"op": "replace", "path": "/~1items/POST/throttling/burstLimit", "value": "20"},
        ])
    return api


def build_http(client, name: str) -> str:
    api = client.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    integration = client.create_integration(ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                            IntegrationUri="https://backend.example.com",
                                            PayloadFormatVersion="1.0")["IntegrationId"]
    for key in ("GET /items", "POST /items", "GET /items/{id}"):
        client.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integration}")
    for stage in ("dev", "prod"):
        client.create_stage(ApiId=api, StageName=stage, StageVariables={"backendHost": "api.internal.example.com"},
                            DefaultRouteSettings={"ThrottlingRateLimit": 100.0, "ThrottlingBurstLimit": 200},
                            RouteSettings={"POST /items": {"ThrottlingRateLimit": 10.0, "ThrottlingBurstLimit": 20}})
    return api


@pytest.fixture(scope="module")
def scratch_apis(sandbox, aws_client_for) -> dict[str, str]:
    """A REST and an HTTP API of this module's own in the scratch region: {"REST": id, "HTTP": id}.

    Each has dev and prod stages with a default throttle, a POST /items override and variables.
    """
    def client(service):
        return aws_client_for(sandbox.url, service, SCRATCH_REGION)

    suffix = uuid.uuid4().hex[:6]
    return {"REST": build_rest(client("apigateway"), f"scratch-rest-{suffix}"),
            "HTTP": build_http(client("apigatewayv2"), f"scratch-http-{suffix}")}


@pytest.fixture
def client_speaking(sandbox, scratch_region, tmp_path):
    """A boto3 CloudWatch client whose model offers only `protocol` (smithy-rpc-v2-cbor, query, json):
    each wire protocol an SDK may choose, answered by the one sandbox."""

    import json

    import boto3
    import botocore.session

    from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY

    def client(protocol: str):
        loader = botocore.session.get_session().get_component("data_loader")
        model = loader.load_service_model("cloudwatch", "service-2")
        model = dict(model, metadata=dict(model["metadata"], protocols=[protocol]))
        folder = tmp_path / protocol / "cloudwatch" / "2010-08-01"
        folder.mkdir(parents=True)
        (folder / "service-2.json").write_text(json.dumps(model))
        session = botocore.session.Session()
        session.set_config_variable("data_path", str(tmp_path / protocol))
        return boto3.Session(botocore_session=session, aws_access_key_id=ACCESS_KEY_ID,
                             aws_secret_access_key=SECRET_ACCESS_KEY, region_name=scratch_region,
                             ).client("cloudwatch", endpoint_url=sandbox.url)

    return client
