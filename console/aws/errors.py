"""AWS and connection failures in plain words.

Everything the console shows of a failure goes through `explain`, so that an operator reads what
happened and what to do, with the AWS error code for searching — never a traceback.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore import exceptions as bx


@dataclass
class Problem(Exception):
    """A failure explained: `message` is for the operator; `kind` lets callers choose an exit code."""

    message: str
    # credentials | region | throttled | denied | not-found | conflict | bad-request | endpoint | unavailable | error
    kind: str = "error"
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]" if self.code else self.message


class NotAnAwsAnswer(Exception):
    """The endpoint answered, but not in an AWS protocol: a proxy's login page, an emulator's HTML 404."""

    def __init__(self, operation: str, endpoint: str, status: int, content_type: str) -> None:
        super().__init__(operation, endpoint, status, content_type)
        self.operation, self.endpoint, self.status, self.content_type = operation, endpoint, status, content_type

    def problem(self) -> Problem:
        what = self.content_type or "an empty body"
        if self.status >= 400:
            return Problem(f"The endpoint {self.endpoint} does not implement {self.operation} (HTTP {self.status}, "
                           f"{what}).", kind="endpoint")
        return Problem(f"The endpoint {self.endpoint} answered {self.operation} with HTTP {self.status} and {what}, "
                       "which is not an AWS answer (a proxy or a login page in the way?). Check --endpoint-url, "
                       "AWS_ENDPOINT_URL and the proxy settings.", kind="endpoint")


def reject_non_aws_answers(operation_model: Any, response_dict: dict, *, endpoint: str = "", **_: Any) -> None:
    """botocore's `before-parse` hook: an HTML page, or an empty body where a read expects one, is refused
    here, rather than parsed into an empty answer that would read as "the account has none"."""
    body = response_dict.get("body") or b""
    if not isinstance(body, bytes):  # a streamed answer (LiveTail's event stream): read by its consumer
        return
    headers = response_dict.get("headers") or {}
    content_type = (headers.get("content-type") or headers.get("Content-Type") or "").split(";")[0].strip()
    status = response_dict.get("status_code") or 0
    name = operation_model.name
    # By the body, not the header: moto, for one, labels some JSON answers text/html.
    html = body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html"))
    empty_read = (status == 200 and not body.strip() and name.startswith(("Get", "List", "Describe"))
                  and operation_model.output_shape is not None and bool(operation_model.output_shape.members))
    if html or empty_read:
        host = urlsplit(endpoint).netloc or "the endpoint"
        raise NotAnAwsAnswer(name, host, status, content_type)


def no_credentials(profile: str | None, detail: str = "") -> Problem:
    where = f"for profile '{profile}'" if profile else "in the environment, ~/.aws/credentials or ~/.aws/config"
    login = f"aws sso login --profile {profile}" if profile else "aws sso login --profile NAME"
    lead = f"{detail} " if detail else f"No AWS credentials were found {where}. "
    return Problem(
        f"{lead}To connect, run `aws configure` to set up access keys, or `{login}` for an SSO profile, "
        "then start the console again (with --profile NAME to choose a profile). To explore without an "
        "AWS account, run `apigw-console --sandbox`.",
        kind="credentials",
    )


_CODES = {
    "throttled": {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded",
                  "LimitExceededException"},
    "denied": {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
               "ForbiddenException"},
    "not-found": {"NotFoundException", "ResourceNotFoundException", "NoSuchEntity"},
    "conflict": {"ConflictException", "ConcurrentModificationException"},
    "credentials": {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId",
                    "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidSignatureException"},
    "bad-request": {"BadRequestException", "ValidationException", "InvalidParameterException"},
}

_ADVICE = {
    "throttled": "AWS is throttling requests (the control plane allows about 10/s per account and region, "
                 "shared with every other tool); wait a moment and retry.",
    "denied": "Your identity is not allowed to do this; check its IAM policy.",
    "not-found": "It no longer exists, or never did; refresh to see the current state.",
    "conflict": "Another change to the same resource is in progress; refresh and try again.",
    "bad-request": "AWS refused the request as invalid.",
}


_requests = threading.local()  # the request each thread sent last, to name what a refusal needs


def remember_request(request: Any = None, event_name: str = "", **_: Any) -> None:
    """botocore's `before-send` hook: keep the request's operation, HTTP method and URL for `explain`."""
    _requests.last = (event_name.rsplit(".", 1)[-1], getattr(request, "method", ""), getattr(request, "url", ""))


def _needed(operation: str) -> str:
    """ "It needs apigateway:GET on arn:aws:apigateway:REGION::/apis." from the refused request."""
    last = getattr(_requests, "last", None)
    if not last or last[0] != operation:
        return ""
    _, method, url = last
    parts = urlsplit(url)
    host, path = parts.netloc, parts.path or "/"
    if host.startswith("apigateway."):
        region = host.split(".")[1]
        return f"It needs apigateway:{method} on arn:aws:apigateway:{region}::{path}."
    service = {"monitoring": "cloudwatch"}.get(host.split(".")[0], host.split(".")[0])
    return f"It needs {service}:{operation}." if service and "." in host else ""


def explain(exc: BaseException, *, profile: str | None = None) -> Problem:
    """Translate any exception raised while talking to AWS into a Problem."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, NotAnAwsAnswer):
        return exc.problem()
    if isinstance(exc, UnicodeDecodeError):
        return Problem(f"An answer or a file was not valid {exc.encoding} text (byte {exc.start}); it cannot be "
                       "shown as it is.", kind="endpoint")
    if isinstance(exc, (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError)):
        return no_credentials(profile, f"The SSO session{f' of profile {profile!r}' if profile else ''} "
                                       "has expired or was never started.")
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return no_credentials(profile)
    if isinstance(exc, bx.ProfileNotFound):
        return Problem(f"The profile '{exc.kwargs.get('profile')}' is not in ~/.aws/config or ~/.aws/credentials. "
                       "List profiles with `aws configure list-profiles`.", kind="credentials")
    if isinstance(exc, bx.NoRegionError):
        return Problem("No AWS region is set. Pass --region NAME, set AWS_REGION, or give the profile a region "
                       "with `aws configure set region NAME`.", kind="region")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError,
                        bx.ConnectionClosedError)):
        return Problem(f"Could not reach the AWS endpoint: {exc}. Check the network, the region and "
                       "--endpoint-url.", kind="endpoint")
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "Unknown"
        detail = (error.get("Message") or "").strip()
        status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        operation = getattr(exc, "operation_name", "") or "this operation"
        if status == 501 or code in ("NotImplemented", "UnknownOperationException", "UnsupportedOperation"):
            return Problem(f"The endpoint does not implement {operation} (HTTP {status or '?'})"
                           + (f": {detail.rstrip('.')}." if detail else "."), kind="unavailable", code=code)
        kind = next((k for k, codes in _CODES.items() if code in codes), "error")
        if kind == "denied":
            needed = "" if " on resource" in detail else _needed(operation)
            return Problem(f"AWS refused {operation}: " + " ".join(
                part for part in (detail.rstrip(".") + "." if detail else "", needed, _ADVICE["denied"]) if part),
                kind="denied", code=code)
        if kind == "credentials":
            return no_credentials(profile, f"AWS rejected the credentials ({code}: {detail or 'expired or invalid'}).")
        text = " ".join(part for part in (detail.rstrip(".") + "." if detail else "", _ADVICE.get(kind, "")) if part)
        return Problem(text or f"AWS answered {code}.", kind=kind, code=code)
    if isinstance(exc, bx.BotoCoreError):
        return Problem(str(exc), kind="error")
    return Problem(f"Unexpected {type(exc).__name__}: {exc}", kind="error")
