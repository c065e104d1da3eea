"""STS fidelity: MFA codes are checked, so a wrong code fails as it does on AWS.

moto accepts any TokenCode. The sandbox has one virtual MFA device that always shows
SANDBOX_MFA_CODE; AssumeRole and GetSessionToken with a SerialNumber and any other code answer
AccessDenied with AWS's own message, as a query-protocol (XML) error.
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs

from console.sandbox import SANDBOX_MFA_CODE
from console.sandbox.router import Call, Reply, Router

MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code. "


def register(router: Router) -> None:
    router.route("sts", "POST", "/")(check_mfa)


def check_mfa(call: Call) -> Reply:
    form = {k: v[0] for k, v in parse_qs(call.body.decode(errors="replace")).items()}
    if form.get("Action") in ("AssumeRole", "GetSessionToken") and form.get("SerialNumber") \
            and form.get("TokenCode") != SANDBOX_MFA_CODE:
        return query_error(403, "AccessDenied", MFA_FAILED)
    return call.forward()


def query_error(status: int, code: str, message: str) -> Reply:
    body = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
    return Reply(status, body.encode(), [("Content-Type", "text/xml")])
