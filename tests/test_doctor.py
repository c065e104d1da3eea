"""`apigw-console doctor` lists exactly what the credentials may not read, and the policies that fix it."""

from __future__ import annotations

import json

from test_partial_failure import faults


def test_doctor_lists_exactly_the_denied_operations(sandbox, cli, scratch_region):
    with faults(sandbox.url, deny=[f"apigatewayv2@{scratch_region}", f"logs:FilterLogEvents@{scratch_region}"]):
        code, out, err = cli("doctor", "--output", "json")
    answer = json.loads(out)
    refused = {(c["service"], c["operation"]) for c in answer["checks"] if not c["allowed"]}
    assert code == 1 and refused == {("apigatewayv2", "GetApis"), ("logs", "FilterLogEvents")}
    assert all(c["kind"] == "denied" for c in answer["checks"] if not c["allowed"]), [c for c in answer["checks"] if not c["allowed"]]
    assert "apigateway:GET" in json.dumps(answer["read_only_policy"])


def test_doctor_passes_when_everything_is_allowed_and_prints_the_policies(cli):
    code, out, _ = cli("doctor", "--policies")
    assert code == 0 and "11 of 11 allowed" in out and '"apigateway:PATCH"' in out
