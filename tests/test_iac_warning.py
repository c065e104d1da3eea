"""A plan for a stage whose stage or API carries an infrastructure-as-code tool's tags says that the next
deploy will revert it, naming the stack or the tool: in the plan the CLI prints, its JSON, and its undo."""

from __future__ import annotations

import json

import pytest

from actions.plan import Plan, managed_by


@pytest.mark.parametrize("tags, owner", [
    ({"aws:cloudformation:stack-name": "shop-prod", "aws:cloudformation:logical-id": "Api"},
     "CloudFormation (CDK, SAM) stack shop-prod"),
    ({"managed-by": "terraform", "env": "shared"}, "Terraform"),
    ({"ManagedBy": "Pulumi"}, "Pulumi"),
    ({"managed_by": "cdk"}, "AWS CDK"),
    ({"team": "checkout", "env": "prod"}, ""),
])
def test_owners_are_read_from_tags(tags, owner):
    assert managed_by(tags) == owner


def test_a_plan_for_a_tagged_stage_warns_and_its_undo_too(cli, aws, scratch_apis, scratch_region):
    api = scratch_apis["REST"]
    apigw = aws("apigateway", scratch_region)
    code, out, _ = cli("throttle", "set", api, "dev", "--rate", "50", "--dry-run", "--output", "json")
    assert code == 0 and not any("template" in w for w in json.loads(out)["plan"]["warnings"])
    apigw.tag_resource(resourceArn=f"arn:aws:apigateway:{scratch_region}::/restapis/{api}/stages/dev",
                       tags={"managed-by": "terraform"})  # aws: tags are CloudFormation's own to write
    code, out, _ = cli("throttle", "set", api, "dev", "--rate", "50", "--dry-run")
    assert code == 0 and "warning: Terraform manages this: the next deploy will revert this; change it in the " \
                         "template too." in " ".join(out.split())
    code, out, _ = cli("throttle", "set", api, "dev", "--rate", "50", "--dry-run", "--output", "json")
    plan = Plan.from_json(json.loads(out)["plan"])
    assert plan.all_warnings == plan.inverse.all_warnings and plan.all_warnings[-1].startswith("Terraform")
    assert plan.to_json()["warnings"].count(plan.all_warnings[-1]) == 1  # not doubled by a round trip
