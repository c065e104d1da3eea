"""Pure pieces of the core: key spelling, the token bucket, error wording, targets."""

from __future__ import annotations

import threading

import pytest
from botocore.exceptions import ClientError, NoRegionError, SSOTokenLoadError

from console.aws.budget import TokenBucket
from console.aws.errors import explain
from console.aws.session import Target
from console.read.normalise import method_key


@pytest.mark.parametrize("raw, display, path", [
    ("*/*", "* *", "*/*"),
    ("~1orders/POST", "POST /orders", "~1orders/POST"),
    ("orders/{orderId}/GET", "GET /orders/{orderId}", "~1orders~1{orderId}/GET"),
    ("~1orders~1{orderId}/DELETE", "DELETE /orders/{orderId}", "~1orders~1{orderId}/DELETE"),
])
def test_method_keys_read_in_both_spellings_aws_uses(raw, display, path):
    assert method_key(raw) == (display, path)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_bucket_allows_the_burst_then_holds_to_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=40, clock=clock, sleep=clock.sleep)
    waited = [bucket.acquire() for _ in range(60)]
    assert sum(waited[:40]) == 0
    assert clock.now == pytest.approx(2.0)  # 20 more calls at 10/s


def test_bucket_try_acquire_takes_a_free_token_and_never_waits():
    clock = FakeClock()
    bucket = TokenBucket(rate=5, burst=5, clock=clock, sleep=lambda seconds: pytest.fail("it waited"))
    assert [bucket.try_acquire() for _ in range(6)] == [True] * 5 + [False]
    clock.now = 0.19
    assert not bucket.try_acquire()  # 0.95 of a token
    clock.now = 0.2
    assert bucket.try_acquire()


def test_bucket_counts_calls_held_back():
    bucket = TokenBucket(rate=1000, burst=1)
    gate = threading.Event()
    seen = []

    def slow_sleep(seconds):
        seen.append(bucket.waiting)
        gate.set()

    bucket._sleep = slow_sleep
    bucket.acquire()
    bucket.acquire()
    assert seen and seen[0] == 1
    assert bucket.waiting == 0


def test_bucket_refuses_nonsense():
    with pytest.raises(ValueError):
        TokenBucket(rate=0)


def client_error(code, message="", operation="GetStage"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize("code, kind", [
    ("TooManyRequestsException", "throttled"),
    ("AccessDeniedException", "denied"),
    ("NotFoundException", "not-found"),
    ("ConflictException", "conflict"),
    ("BadRequestException", "bad-request"),
    ("ExpiredTokenException", "credentials"),
])
def test_aws_error_codes_become_plain_kinds(code, kind):
    problem = explain(client_error(code, "Something happened"))
    assert problem.kind == kind
    assert "Traceback" not in str(problem)


def test_expired_sso_token_names_the_login_command():
    problem = explain(SSOTokenLoadError(error_msg="expired"), profile="prod-admin")
    assert problem.kind == "credentials"
    assert "aws sso login --profile prod-admin" in problem.message
    assert "--sandbox" in problem.message


def test_missing_region_says_how_to_set_one():
    problem = explain(NoRegionError())
    assert problem.kind == "region" and "--region" in problem.message


def test_targets_label_where_they_point():
    assert Target(sandbox=True).label == "sandbox"
    assert Target(endpoint_url="http://127.0.0.1:4566").label == "local 127.0.0.1:4566"
    assert Target(profile="ops").label == "ops"
    assert Target(endpoint_url="https://apigateway.example.com").placeholder_credentials is False
    assert Target(endpoint_url="http://localhost:4566", profile="ops").placeholder_credentials is False
