"""Profile, region and endpoint are resolved as the AWS CLI v2 resolves them, and the header names where
each came from. One row per rule: the options, the environment and the shared config, and what wins."""

from __future__ import annotations

import json

import pytest

from console.aws.session import Connection, Target

CONFIG = """
[default]
region = ap-south-1

[profile prod]
region = eu-central-1

[profile local]
region = us-west-2
endpoint_url = http://localhost:4566

[profile split]
services = split-services
endpoint_url = https://global.example.com

[services split-services]
api_gateway =
  endpoint_url = http://127.0.0.1:4510
"""

ENVIRONMENT = ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_API_GATEWAY",
               "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_ENDPOINT_URL_APIGATEWAYV2", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")

# (options, environment, service) -> profile (source), region (source), endpoint (source), label
ROWS = [
    ({}, {}, "apigateway", "default (default)", "ap-south-1 (profile default)", "not set", "default"),
    ({}, {"AWS_PROFILE": "prod"}, "apigateway", "prod (AWS_PROFILE)", "eu-central-1 (profile prod)", "not set",
     "prod"),
    ({"profile": "prod"}, {"AWS_PROFILE": "local"}, "apigateway", "prod (--profile)", "eu-central-1 (profile prod)",
     "not set", "prod"),
    ({}, {"AWS_DEFAULT_REGION": "sa-east-1"}, "apigateway", "default (default)", "sa-east-1 (AWS_DEFAULT_REGION)",
     "not set", "default"),
    ({}, {"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "sa-east-1"}, "apigateway", "default (default)",
     "eu-west-3 (AWS_REGION)", "not set", "default"),
    ({"region": "us-east-2"}, {"AWS_REGION": "eu-west-3"}, "apigateway", "default (default)",
     "us-east-2 (--region)", "not set", "default"),
    ({}, {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, "apigateway", "default (default)",
     "ap-south-1 (profile default)", "http://127.0.0.1:5000 (AWS_ENDPOINT_URL)", "local 127.0.0.1:5000"),
    ({}, {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_API_GATEWAY": "http://localhost:6000"},
     "apigateway", "default (default)", "ap-south-1 (profile default)",
     "http://localhost:6000 (AWS_ENDPOINT_URL_API_GATEWAY)", "local localhost:6000"),
    ({}, {"AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "http://localhost:7000"}, "logs", "default (default)",
     "ap-south-1 (profile default)", "http://localhost:7000 (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS)", "default"),
    ({}, {"AWS_ENDPOINT_URL_APIGATEWAYV2": "http://localhost:7001"}, "apigatewayv2", "default (default)",
     "ap-south-1 (profile default)", "http://localhost:7001 (AWS_ENDPOINT_URL_APIGATEWAYV2)", "default"),
    ({"endpoint_url": "http://127.0.0.1:9"}, {"AWS_ENDPOINT_URL": "http://localhost:5000"}, "apigateway",
     "default (default)", "ap-south-1 (profile default)", "http://127.0.0.1:9 (--endpoint-url)", "local 127.0.0.1:9"),
    ({}, {"AWS_PROFILE": "local"}, "apigateway", "local (AWS_PROFILE)", "us-west-2 (profile local)",
     "http://localhost:4566 (profile local endpoint_url)", "local localhost:4566"),
    ({"profile": "local"}, {}, "apigateway", "local (--profile)", "us-west-2 (profile local)",
     "http://localhost:4566 (profile local endpoint_url)", "local"),  # a named profile keeps its credentials
    ({"profile": "split"}, {}, "apigateway", "split (--profile)", "not set",
     "http://127.0.0.1:4510 (profile split services section)", "split"),
    ({"profile": "split"}, {}, "logs", "split (--profile)", "not set",
     "https://global.example.com (profile split endpoint_url)", "split"),
    ({}, {"AWS_PROFILE": "local", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "apigateway",
     "local (AWS_PROFILE)", "us-west-2 (profile local)", "not set", "local"),
]


@pytest.fixture
def aws_config(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text(CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("options, environment, service, profile, region, endpoint, label", ROWS)
def test_resolution_follows_the_aws_cli(aws_config, options, environment, service, profile, region, endpoint, label):
    for name, value in environment.items():
        aws_config.setenv(name, value)
    target = Target(**options)
    assert str(target.resolved_profile) == profile
    assert str(target.resolved_region) == region
    assert str(target.endpoint(service)) == endpoint
    assert target.label == label


def test_the_header_names_what_was_resolved(aws_config):
    aws_config.setenv("AWS_REGION", "eu-west-3")
    aws_config.setenv("AWS_ENDPOINT_URL_API_GATEWAY", "http://localhost:6000")
    assert Target().resolution() == ("profile default (default) · region eu-west-3 (AWS_REGION) · "
                                     "endpoint http://localhost:6000 (AWS_ENDPOINT_URL_API_GATEWAY)")


def test_a_connection_takes_aws_region_over_aws_default_region(aws_config):
    aws_config.setenv("AWS_REGION", "eu-west-3")
    aws_config.setenv("AWS_DEFAULT_REGION", "sa-east-1")
    assert Connection(Target()).region == "eu-west-3"


def test_a_local_api_gateway_endpoint_from_the_environment_is_local_for_identity_and_livetail(sandbox, monkeypatch):
    """Only AWS_ENDPOINT_URL_API_GATEWAY names the sandbox: the made-up identity is asked there, and the
    Logs client (LiveTail prefixes its host with "streaming-") goes there too, unprefixed."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_API_GATEWAY", sandbox.url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    connection = Connection(Target())
    assert connection.target.placeholder_credentials
    assert connection.identify().account
    logs = connection.client("logs")
    assert logs.meta.endpoint_url == sandbox.url
    assert logs.meta.config.inject_host_prefix is False
    assert connection.client("apigateway").get_rest_apis(limit=1) is not None


def test_info_names_what_was_resolved_and_from_where(aws_config, capsys):
    from console.cli import main

    aws_config.setenv("AWS_PROFILE", "prod")
    aws_config.setenv("AWS_ENDPOINT_URL", "https://vpce.example.com")
    assert main(["info", "--output", "json"]) == 0
    resolved = json.loads(capsys.readouterr().out)["connection (resolved)"]
    assert resolved == ("profile prod (AWS_PROFILE) · region eu-central-1 (profile prod) · "
                        "endpoint https://vpce.example.com (AWS_ENDPOINT_URL)")
