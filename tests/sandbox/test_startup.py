"""A sandbox start restores the estate its last build left (the snapshot) and answers as that build did.

Each test runs real sandbox processes, as `--sandbox` does, with a cache directory of its own.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from console.sandbox.estate import ESTATE, ORDERS_API
from console.sandbox.history import access_log_group
from console.sandbox.process import spawn
from console.sandbox.snapshot import directory


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def estate_of(client) -> dict:
    """Everything the seed builds, as the API reads it back, region by region; `client(service, region)`."""
    dump = {}
    for estate in ESTATE:
        apigw, v2, logs = (client(service, estate.region) for service in ("apigateway", "apigatewayv2", "logs"))
        rest = {}
        for api in apigw.get_rest_apis()["items"]:
            rest[api["name"]] = {
                "api": api,
                "resources": apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"],
                "stages": apigw.get_stages(restApiId=api["id"])["item"],
                "deployments": apigw.get_deployments(restApiId=api["id"])["items"],
            }
        plans = apigw.get_usage_plans()["items"]
        v2_apis = {}
        for api in v2.get_apis()["Items"]:
            v2_apis[api["Name"]] = {
                "api": api, "routes": v2.get_routes(ApiId=api["ApiId"])["Items"],
                "integrations": v2.get_integrations(ApiId=api["ApiId"])["Items"],
                "stages": v2.get_stages(ApiId=api["ApiId"])["Items"],
            }
        dump[estate.region] = {
            "rest": rest, "v2": v2_apis, "plans": plans,
            "plan keys": {p["name"]: apigw.get_usage_plan_keys(usagePlanId=p["id"])["items"] for p in plans},
            "keys": apigw.get_api_keys(includeValues=True)["items"],
            # storedBytes measures the history, drawn afresh on every start (its scanners' lines by the clock)
            "log groups": [{k: v for k, v in group.items() if k != "storedBytes"}
                           for group in logs.describe_log_groups()["logGroups"]],
        }
    return json.loads(json.dumps(dump, default=str))


def history_of(client) -> int:
    """How many access-log lines orders-api prod has in the history's last three whole minutes (no traffic
    runs in these tests; the minute a start falls in holds the seconds before it, which differ from start
    to start). Three minutes, not the whole hour of a line a request: reading ~50,000 lines took seconds."""
    logs, group = client("logs", "us-east-1"), access_log_group(ORDERS_API.name, "prod")
    streams = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
    end = max(stream["lastEventTimestamp"] for stream in streams) // 60_000 * 60_000
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=end - 180_000,
                                                             endTime=end - 1)
    return sum(len(page["events"]) for page in pages)


@pytest.fixture(scope="module")
def first_build(aws_client_for, tmp_path_factory):
    """One sandbox child's first start on an empty cache (a build): its estate, its history, and the
    snapshot it left, which each test copies into a cache of its own (a build is the costly start)."""
    cache = tmp_path_factory.mktemp("first-build")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        estate, history = _start(aws_client_for)
        [snapshot] = sorted(directory().glob("estate-*.pickle"))
        return estate, history, snapshot.relative_to(cache), snapshot.read_bytes()


def _start(aws_client_for, *extra: str) -> tuple[dict, int]:
    """Start a sandbox child (no traffic), read its estate and history, stop it."""
    child = spawn("--no-traffic", *extra)
    try:
        def client(service, region):
            return aws_client_for(child.url, service, region)

        return estate_of(client), history_of(client)
    finally:
        child.close()


@pytest.fixture
def kept(cache, first_build):
    """The first build's snapshot in this test's cache, as that build left it (owner-only)."""
    _, _, relative, content = first_build
    path = cache / relative
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as the sandbox keeps its own
    path.parent.chmod(0o700)
    path.write_bytes(content)
    path.chmod(0o600)
    return path


@pytest.fixture
def started(aws_client_for):
    def start(*extra: str) -> tuple[dict, int]:
        return _start(aws_client_for, *extra)

    return start


def snapshots(cache) -> list:
    assert directory().is_relative_to(cache)
    return sorted(directory().glob("estate-*.pickle"))


def test_a_restored_estate_reads_exactly_as_the_build_it_was_taken_from(first_build, kept, cache, started):
    built, built_history, _, _ = first_build
    assert snapshots(cache) == [kept], "the first start keeps a snapshot"
    restored, restored_history = started()
    assert restored == built  # ids, settings, dates: every field of every read
    assert restored_history == built_history > 300  # and the history is written afresh, the same


def test_a_damaged_snapshot_is_ignored_and_replaced(first_build, kept, cache, started):
    built = first_build[0]
    kept.write_bytes(b"not a pickle")
    rebuilt, history = started()
    assert rebuilt.keys() == built.keys() and history > 300
    assert kept.read_bytes() != b"not a pickle"


def test_a_snapshot_others_could_have_written_is_not_loaded(first_build, kept, cache, started):
    built = first_build[0]
    kept.chmod(0o666)
    rebuilt, _ = started()
    ids = {region: sorted(a["api"]["id"] for a in dump["rest"].values()) for region, dump in built.items()}
    assert ids != {region: sorted(a["api"]["id"] for a in dump["rest"].values()) for region, dump in rebuilt.items()}, \
        "a rebuild names its APIs afresh; the same ids would mean the snapshot was loaded"


def test_import_rest_api_with_fail_on_warnings_still_validates_the_document(aws, scratch_region):
    """ImportRestApi with failOnWarnings rejects an invalid OpenAPI document (BadRequestException),
    imports a valid one; the sandbox imports moto's validator only when first needed."""
    apigw = aws("apigateway", scratch_region)
    invalid = {"openapi": "3.0.1", "info": {"title": "broken", "version": "1"}, "paths": {"/x": {"get": 7}}}
    with pytest.raises(ClientError) as refused:
        apigw.import_rest_api(body=json.dumps(invalid), failOnWarnings=True)
    assert refused.value.response["Error"]["Code"] == "BadRequestException"
    valid = {"openapi": "3.0.1", "info": {"title": "imported", "version": "1", "description": "ok"},
             "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    created = apigw.import_rest_api(body=json.dumps(valid), failOnWarnings=True)
    try:
        assert created["name"] == "imported"
    finally:
        apigw.delete_rest_api(restApiId=created["id"])


def test_a_cache_that_cannot_be_written_only_means_the_next_start_builds_again(cache, started):
    (cache / "apigw-console").write_text("a file where the cache directory would go")
    built, history = started()
    assert built[ESTATE[0].region]["rest"] and history > 300
    assert not list(cache.glob("**/*.pickle")) and not list(cache.glob("**/.tmp-*"))


def test_url_rules_still_build_their_urls_once_their_builders_are_deferred():
    """A start defers werkzeug's URL builders (moto_seam.install_patches) to their first use: a rule builds
    the URL it always did, with and without values it does not name, and matches as before."""
    from werkzeug.routing import Map, Rule

    from console.sandbox import moto_seam

    moto_seam.install_patches()
    urls = Map([Rule("/restapis/<api_id>/stages/<int:n>", endpoint="stage"), Rule("/restapis", endpoint="apis")])
    bound = urls.bind("sandbox.local")
    assert bound.match("/restapis/a1b2/stages/3") == ("stage", {"api_id": "a1b2", "n": 3})
    assert bound.build("stage", {"api_id": "x", "n": 7}) == "/restapis/x/stages/7"
    assert bound.build("stage", {"api_id": "x", "n": 8, "limit": "5"}) == "/restapis/x/stages/8?limit=5"
    assert bound.build("apis") == "/restapis"
