"""API Gateway's control-plane limits in the sandbox, and the console living within them.

AWS documents ("Amazon API Gateway quotas", control-plane rates): about 10 requests a second per account
and region with a burst of 40, CreateDeployment 1 per 5 s, UpdateUsagePlan 1 per 20 s, CreateApiKey 5 a
second, answered with 429 TooManyRequestsException (body {"message": ...}, Retry-After header); quotas
such as 10 stages per API answered with LimitExceededException. `apigw-console sandbox` enforces them;
the suite's sandbox starts without them (fixtures build fast), so each test here switches them on.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from console.sandbox.control_plane import LIMITER, STAGES_PER_API

REGION = "eu-south-1"  # this module's own: its APIs and plans are no other test's


@pytest.fixture
def limited(sandbox):
    LIMITER.switch(True)
    yield
    LIMITER.switch(False)


@pytest.fixture
def raw(sandbox):
    """A boto3 client that never retries, so every 429 is seen; each HTTP response's status is recorded."""
    client = boto3.client("apigateway", endpoint_url=sandbox.url, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
                          config=Config(retries={"total_max_attempts": 1}))
    client.statuses = []
    client.meta.events.register("after-call.apigateway", lambda http_response, **_: client.statuses.append(
        (http_response.status_code, http_response.headers, http_response.content)))
    return client


def _error(call) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def _api_with_a_method(client) -> str:
    api = client.create_rest_api(name=f"limits-{time.time_ns()}")
    client.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
                      authorizationType="NONE")
    client.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET", type="MOCK")
    return api["id"]


def _outcome(call) -> str:
    try:
        call()
        return "ok"
    except ClientError as refused:
        return refused.response["Error"]["Code"]


def _at_once(call, times: int) -> tuple[Counter, float]:
    """`call` `times` times from 16 threads (a loaded machine must not pace them itself); the outcomes
    and the seconds they took."""
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        outcomes = Counter(pool.map(lambda _: _outcome(call), range(times)))
    return outcomes, time.monotonic() - started


def test_a_burst_of_100_calls_gets_40_then_429s_with_aws_body_and_retry_after(limited, raw):
    """The account's bucket holds 40 calls and refills at 10 a second: of 100 calls sent at once 40 pass,
    and 10 more for each second they take; the rest are 429 TooManyRequestsException, {"message": "Too
    Many Requests"}, with a Retry-After header in whole seconds."""
    outcomes, took = _at_once(raw.get_rest_apis, 100)
    assert set(outcomes) == {"ok", "TooManyRequestsException"}, outcomes
    assert 40 <= outcomes["ok"] <= 40 + 10 * took + 1, (took, outcomes)
    status, headers, body = next(r for r in raw.statuses if r[0] == 429)
    assert body == b'{"message": "Too Many Requests"}'
    assert headers["x-amzn-ErrorType"] == "TooManyRequestsException" and int(headers["Retry-After"]) >= 1


def test_operations_with_their_own_limits(limited, raw):
    """CreateDeployment: 1 per 5 s; UpdateUsagePlan: 1 per 20 s; CreateApiKey: 5 a second (burst 5)."""
    api_id = _api_with_a_method(raw)
    raw.create_deployment(restApiId=api_id, description="first")
    assert _error(lambda: raw.create_deployment(restApiId=api_id, description="second")) \
        == ("TooManyRequestsException", 429)
    plan = raw.create_usage_plan(name=f"limits-{time.time_ns()}")["id"]
    renamed = [{"op": "replace", "path": "/description", "value": "once"}]
    raw.update_usage_plan(usagePlanId=plan, patchOperations=renamed)
    assert _error(lambda: raw.update_usage_plan(usagePlanId=plan, patchOperations=renamed)) \
        == ("TooManyRequestsException", 429)
    keys, took = _at_once(lambda: raw.create_api_key(name=f"limits-{time.time_ns()}"), 12)
    assert set(keys) == {"ok", "TooManyRequestsException"}, keys
    assert 5 <= keys["ok"] <= 5 + 5 * took + 1, (took, keys)


def test_the_eleventh_stage_of_an_api_is_past_the_quota(limited, raw):
    """10 stages per API: an 11th, by CreateStage or by CreateDeployment to a new stage name, is 429
    LimitExceededException; redeploying to an existing stage is not a new stage."""
    api_id = _api_with_a_method(raw)
    deployment = raw.create_deployment(restApiId=api_id, stageName="s0")["id"]
    for n in range(1, STAGES_PER_API):
        raw.create_stage(restApiId=api_id, stageName=f"s{n}", deploymentId=deployment)
    assert _error(lambda: raw.create_stage(restApiId=api_id, stageName="s10", deploymentId=deployment)) \
        == ("LimitExceededException", 429)
    time.sleep(5)  # CreateDeployment's own rate
    assert _error(lambda: raw.create_deployment(restApiId=api_id, stageName="s10")) == ("LimitExceededException", 429)
    time.sleep(5)  # a call refused by a quota has taken its token too
    raw.create_deployment(restApiId=api_id, stageName="s1")  # an existing stage: not past the quota
    assert len(raw.get_stages(restApiId=api_id)["item"]) == STAGES_PER_API


def test_the_console_paces_a_burst_of_reads_within_the_limit(limited, sandbox):
    """The console's own budget (console.aws.budget: 10 a second, burst 40, shared by its API Gateway
    clients) holds a burst of 60 reads to AWS's rate: every read succeeds and none is answered 429."""
    from console.aws.session import Connection, Target
    from console.read.gateway import Gateway

    connection = Connection(Target(endpoint_url=sandbox.url, region=REGION))
    connection.identify()
    gateway = Gateway(connection)
    statuses: list[int] = []
    for service in ("apigateway", "apigatewayv2"):  # both draw on the budget, and on the account's limit
        connection.client(service).meta.events.register(
            f"after-call.{service}", lambda http_response, **_: statuses.append(http_response.status_code))
    started = time.monotonic()
    for _ in range(60):
        gateway.apis(refresh=True)
    took = time.monotonic() - started
    assert statuses.count(429) == 0 and len(statuses) >= 60
    assert took >= (len(statuses) - 40) / 10 * 0.8  # paced: past the burst, about 10 calls a second


@pytest.mark.parametrize(("flags", "throttled"), [((), True), (("--control-plane-limits", "off"), False)])
def test_apigw_console_sandbox_limits_by_default_and_off_on_request(flags, throttled):
    """`apigw-console sandbox` (and so `--sandbox`) enforces the limits unless told
    `--control-plane-limits off`; its own seeding and traffic are never limited."""
    from console.sandbox.process import spawn

    child = spawn("--no-traffic", *flags)
    try:
        client = boto3.client("apigateway", endpoint_url=child.url, region_name=child.region,
                              aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
                              config=Config(retries={"total_max_attempts": 1}))
        assert client.get_rest_apis()["items"]  # the seeded estate is there
        outcomes, _ = _at_once(client.get_rest_apis, 100)
        assert set(outcomes) <= {"ok", "TooManyRequestsException"}, outcomes
        assert (outcomes["TooManyRequestsException"] > 0) is throttled, outcomes
    finally:
        child.close()
