"""Every test talks HTTP to a real sandbox endpoint, in an AWS environment that cannot reach AWS.

The shared sandbox is seeded once per session and its seeded regions are read-only for tests; a
test that creates things does so in `scratch_region`, under names of its own (`unique`).
"""

from __future__ import annotations

import uuid

import pytest

from console.sandbox.server import Sandbox, start



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
        mp.setenv("XDG_STATE_HOME", str(home / "state"))
        mp.setenv("XDG_CONFIG_HOME", str(home / "config-home"))
        yield


@pytest.fixture(scope="session")
def sandbox(isolated_aws) -> Sandbox:
    """The seeded sandbox, over HTTP on loopback, for the whole session."""
    running = start(0, seeded=True)
    yield running
    running.stop()


@pytest.fixture
def scratch_region() -> str:
    """A region the seed leaves empty, where tests may create what they need."""
    return "ap-southeast-2"


@pytest.fixture
def unique():
    """Names no other test uses: unique("dup") -> "dup-1a2b3c4d"."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def connection(sandbox):
    from console.session import Connection, Target

    return Connection(Target(endpoint_url=sandbox.url))


@pytest.fixture
def gateway(connection):
    from console.gateway import Gateway

    connection.identify()
    return Gateway(connection)


@pytest.fixture
def aws_client_for():
    """Plain boto3 clients on any local endpoint, as `aws --endpoint-url` would be."""
    import boto3

    from console.sandbox import ACCESS_KEY_ID, SECRET_ACCESS_KEY

    def client(url: str, service: str, region: str = "us-east-1"):
        return boto3.client(service, endpoint_url=url, region_name=region,
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)

    return client


@pytest.fixture
def aws(sandbox, aws_client_for):
    """Plain boto3 clients on the shared sandbox: aws("apigateway"), aws("logs", "eu-west-1")."""
    return lambda service, region="us-east-1": aws_client_for(sandbox.url, service, region)
