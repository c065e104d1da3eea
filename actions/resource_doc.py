"""A usage plan or an API key as AWS returns it now: the document their plans are built from.

Plans compare AWS's own values, so these are GetUsagePlan and GetApiKey answers with two things
shaped for (path, value) conditions to reach: a plan's `apiStages` list becomes a map keyed
"apiId:stage" whose values are that stage's method throttles keyed "VERB /path" (AWS spells a
method "/orders/POST" or "~1orders/POST"), and a key gains `usagePlans`, {plan id: True} for the
plans it belongs to. A key's value is never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.plan import Target
from console.read.normalise import method_key


# Fields a new resource may lack until someone sets them: the undo of its creation (a delete) checks
# they are still unset, so that it never deletes what was added to the resource since.
OPTIONAL_FIELDS = {"usage-plan": ("description", "throttle", "quota", "productCode"),
                   "api-key": ("description", "customerId")}


@dataclass(frozen=True)
class ResourceDoc:
    target: Target
    raw: dict[str, Any]
    wait: float = 0.0  # seconds an UpdateUsagePlan sent now would wait (one call per 20 s per account)

    @property
    def id(self) -> str:
        return self.target.resource_id

    @property
    def name(self) -> str:
        return self.target.resource_name


def stage_key(api_id: str, stage: str) -> str:
    """How a usage plan names an API stage in patch paths and values: "apiId:stage"."""
    return f"{api_id}:{stage}"


def usage_plan_document(client, plan_id: str) -> dict[str, Any]:
    answer = client.get_usage_plan(usagePlanId=plan_id)
    answer.pop("ResponseMetadata", None)
    answer["apiStages"] = {
        stage_key(s.get("apiId", ""), s.get("stage", "")): {method_key(k)[0]: dict(v)
                                                             for k, v in (s.get("throttle") or {}).items()}
        for s in answer.get("apiStages") or []}
    return answer


def api_key_document(client, key_id: str) -> dict[str, Any]:
    answer = client.get_api_key(apiKey=key_id, includeValue=False)
    answer.pop("ResponseMetadata", None)
    answer.pop("value", None)
    plans = client.get_paginator("get_usage_plans").paginate(keyId=key_id, PaginationConfig={"PageSize": 500})
    answer["usagePlans"] = {p["id"]: True for page in plans for p in page.get("items", [])}
    return answer
