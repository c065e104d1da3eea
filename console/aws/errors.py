"""AWS and connection failures in plain words.

Everything the console shows of a failure goes through `explain`, so that an operator reads what
happened and what to do, with the AWS error code for searching — never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore import exceptions as bx


@dataclass
class Problem(Exception):
    """A failure explained: `message` is for the operator; `kind` lets callers choose an exit code."""

    message: str
    kind: str = "error"  # credentials | region | throttled | denied | not-found | conflict | bad-request | endpoint | error
    code: str | None = None

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]" if self.code else self.message


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


def explain(exc: BaseException, *, profile: str | None = None) -> Problem:
    """Translate any exception raised while talking to AWS into a Problem."""
    if isinstance(exc, Problem):
        return exc
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
        kind = next((k for k, codes in _CODES.items() if code in codes), "error")
        if kind == "credentials":
            return no_credentials(profile, f"AWS rejected the credentials ({code}: {detail or 'expired or invalid'}).")
        text = " ".join(part for part in (detail.rstrip(".") + "." if detail else "", _ADVICE.get(kind, "")) if part)
        return Problem(text or f"AWS answered {code}.", kind=kind, code=code)
    if isinstance(exc, bx.BotoCoreError):
        return Problem(str(exc), kind="error")
    return Problem(f"Unexpected {type(exc).__name__}: {exc}", kind="error")
