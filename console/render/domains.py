"""Custom domains and what serves a URL, as a person reads them (rich) and as a program does (JSON-ready).

Domain names and mapping keys are other people's text: they reach the terminal as foreign text only.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from rich.console import Group
from rich.text import Text

from console.model import CustomDomain, DomainMapping, Protocol, UrlMatch
from console.read.domains import mapping_url
from console.render.describe import DASH, Listing, stamp, when
from console.render.text import Pairs, assemble, foreign

ROOT = "(none)"  # how AWS names the root mapping in v1, and how the console shows it


def base_path(mapping: DomainMapping) -> str:
    return mapping.path or ROOT


def domains_json(domains: Sequence[CustomDomain], apis: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each domain with its mappings; `apis` (by id) names each mapping's API where it could be read."""
    return [{
        "domain_name": d.name,
        "api_versions": list(d.versions),
        "endpoint_type": d.endpoint_type,
        "security_policy": d.security_policy,
        "certificate_arn": d.certificate_arn or None,
        "certificate_upload_date": stamp(d.certificate_uploaded),
        "target_domain_name": d.target or None,
        "status": d.status or None,
        "mappings": [{
            "base_path": m.path,
            "api_id": m.api_id,
            "api_name": apis[m.api_id].name if m.api_id in apis else None,
            "stage": m.stage,
            "url": mapping_url(d, m, apis[m.api_id].protocol if m.api_id in apis else None),
        } for m in d.mappings],
    } for d in domains]


def domain_listing(domains: Sequence[CustomDomain], apis: Mapping[str, Any]) -> Listing | Text:
    """One row per mapping, the domain's own fields on its first. Where each mapping leads comes first, the
    domain's endpoint and certificate after it (dropped first at a narrow width): names are never folded."""
    if not domains:
        return Text("No custom domain names in this region.", style="dim")
    rows = []
    for d in domains:
        own = [d.endpoint_type or DASH, d.security_policy or DASH, "+".join(d.versions), d.certificate_arn or DASH,
               when(d.certificate_uploaded), d.target or DASH]
        for i, m in enumerate(d.mappings or (None,)):
            api = apis.get(m.api_id) if m else None
            mapping = [base_path(m), api.name if api else m.api_id, m.stage] if m else ["(no mappings)", "", ""]
            rows.append([d.name if i == 0 else "", *mapping, *(own if i == 0 else [""] * len(own))])
    return Listing(("Domain name", "Base path", "API", "Stage", "Endpoint", "TLS", "Via", "Certificate", "Uploaded",
                    "Target"), rows, keep=4)


def match_json(match: UrlMatch, stage_url: str) -> dict[str, Any]:
    return {
        "url": match.url,
        "api_id": match.api.id,
        "api_name": match.api.name,
        "protocol": match.api.protocol.value,
        "stage": match.stage,
        "via": match.via,
        "path": match.path,
        "resource" if match.api.protocol is Protocol.REST else "route": match.resource or None,
        "methods": [key.split(" ")[0] for key in match.keys if " " in key],
        "keys": list(match.keys),
        "path_parameters": dict(match.params),
        "stage_url": stage_url,
        **({"note": match.note} if match.note else {}),
    }


def match_grid(match: UrlMatch, stage_url: str) -> Group:
    """What serves the URL, one fact a line: API, stage, the way in, and the method or route with its values
    (URLs whole on a line of their own where they do not fit beside their label: they are copied)."""
    pairs = Pairs()
    api = match.api
    pairs.add_row("URL", match.url)
    pairs.add_row("API", assemble((api.name, "bold"), f"  {api.id} · {api.protocol.value}"))
    pairs.add_row("Stage", foreign(match.stage, style="bold"))
    pairs.add_row("Stage URL", foreign(stage_url, style="dim"))
    pairs.add_row("Via", match.via)
    pairs.add_row("Path", match.path)
    if api.protocol is Protocol.REST and match.keys:
        pairs.add_row("Resource", foreign(match.resource, style="bold"))
        pairs.add_row("Method" if len(match.keys) == 1 else "Methods",
                      foreign(" ".join(key.split(" ")[0] for key in match.keys), style="bold"))
    elif match.keys:
        pairs.add_row("Route" if len(match.keys) == 1 else "Routes", foreign("  ".join(match.keys), style="bold"))
    for name, value in match.params.items():
        pairs.add_row(f"{{{name}}}", value)
    parts: list[Any] = [pairs]
    if match.note:
        parts.append(foreign(match.note, style="dim"))
    return Group(*parts)
