"""The FHIR data a call needs: from ``prefetch``, else fetched from ``fhirServer``, else 412.

CDS Hooks 2.0, "Providing FHIR Resources to a CDS Service": a key the client did not satisfy
is absent; ``null`` means it had no data (so, for a search, no resources: fhir.read still reads
absence as unknown, never as "no"); "It is the CDS Service's responsibility to check prefetched
data against its template ... and to programmatically retrieve any additional necessary data.
If the CDS Service is unable to obtain required data ... the service SHALL respond with an
HTTP 412 Precondition Failed". Prefetched results "MUST be submitted at once (no next page
links)": a Bundle with a ``next`` link for a template whose whole result is needed is treated
as unsatisfied, as is an OperationOutcome in place of the resource.

Fetching goes only to a ``fhirServer`` on the configured allowlist (exact base URL), with the
``fhirAuthorization`` bearer token, following ``next`` links only under that base, at most
``max_fetch_pages`` pages, each response read within ``fhir.reading.MAX_BYTES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote as url_quote

import httpx

from .. import jsonio
from ..errors import InvalidPatientState
from ..fhir import reading as fhir_reading
from .config import ServeConfig
from .discovery import TEMPLATES, Template
from .limits import HTTPProblem


class PreconditionFailed(HTTPProblem):
    def __init__(self, message: str) -> None:
        super().__init__(412, message)


def _fill(template: Template, patient_id: str) -> str:
    return template.query.replace("{{context.patientId}}", url_quote(patient_id, safe=""))


def _has_next(bundle: Mapping[str, Any]) -> str | None:
    links = bundle.get("link")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, Mapping) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else ""
    return None


def _satisfied(template: Template, value: object) -> bool:
    """Whether a prefetched value answers its template (None: the client had no data)."""
    if value is None:
        return template.resource_type != "Patient"
    if not isinstance(value, Mapping):
        raise HTTPProblem(400, f"prefetch.{template.key}: expected a FHIR resource or null")
    kind = value.get("resourceType")
    if kind == "OperationOutcome":
        return False
    if kind != template.resource_type:
        raise HTTPProblem(
            400,
            f"prefetch.{template.key}: a {jsonio.quote(kind, 40)} is not allowed; expected a "
            f"{template.resource_type}",
        )
    return not (template.complete and kind == "Bundle" and _has_next(value) is not None)


def _allowed_server(config: ServeConfig, server: object) -> str | None:
    if not isinstance(server, str):
        return None
    base = server.rstrip("/")
    return base if base in config.fhir_servers else None


async def _get_json(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> Any:
    try:
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise PreconditionFailed(
                    f"fhirServer answered {response.status_code} for a prefetch query"
                )
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > fhir_reading.MAX_BYTES:
                    raise PreconditionFailed("fhirServer response too large")
    except httpx.HTTPError as error:
        raise PreconditionFailed(f"fhirServer could not be read ({type(error).__name__})") from None
    try:
        return jsonio.loads(
            bytes(body),
            source="fhirServer response",
            max_bytes=fhir_reading.MAX_BYTES,
            max_depth=fhir_reading.MAX_DEPTH,
        )
    except InvalidPatientState as error:
        raise PreconditionFailed(str(error)) from None


async def _fetch(
    client: httpx.AsyncClient,
    config: ServeConfig,
    base: str,
    token: str | None,
    template: Template,
    patient_id: str,
) -> Any:
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url: str | None = f"{base}/{_fill(template, patient_id)}"
    first: dict[str, Any] | None = None
    pages = 0
    while url:
        pages += 1
        if pages > config.max_fetch_pages:
            raise PreconditionFailed(f"{template.key}: more than {config.max_fetch_pages} pages")
        page = await _get_json(client, url, headers)
        if not isinstance(page, dict) or page.get("resourceType") != template.resource_type:
            raise PreconditionFailed(
                f"{template.key}: fhirServer did not return a {template.resource_type}"
            )
        if first is None:
            first = page
        else:
            first.setdefault("entry", []).extend(page.get("entry") or [])
        url = _has_next(page) if template.complete and template.resource_type == "Bundle" else None
        if url is not None and not (url.startswith(base + "/") or url.startswith(base + "?")):
            raise PreconditionFailed(f"{template.key}: a next page outside fhirServer")
    assert first is not None
    first.pop("link", None)
    return first


async def gather(
    body: Mapping[str, Any], config: ServeConfig, client: httpx.AsyncClient, patient_id: str
) -> dict[str, Any]:
    """Key -> resource (or None) for every template, or ``PreconditionFailed``."""
    given = body.get("prefetch")
    if given is not None and not isinstance(given, Mapping):
        raise HTTPProblem(400, "prefetch: expected an object")
    given = given or {}
    auth = body.get("fhirAuthorization")
    token = auth.get("access_token") if isinstance(auth, Mapping) else None
    if auth is not None and not isinstance(token, str):
        raise HTTPProblem(400, "fhirAuthorization.access_token: expected a string")
    result: dict[str, Any] = {}
    missing = []
    for template in TEMPLATES:
        if template.key in given and _satisfied(template, given[template.key]):
            result[template.key] = given[template.key]
        else:
            missing.append(template)
    if missing:
        base = _allowed_server(config, body.get("fhirServer"))
        if base is None:
            keys = ", ".join(t.key for t in missing)
            why = (
                "no fhirServer"
                if "fhirServer" not in body
                else "fhirServer not on this service's allowlist"
            )
            raise PreconditionFailed(f"prefetch missing or incomplete ({keys}) and {why}")
        for template in missing:
            result[template.key] = await _fetch(client, config, base, token, template, patient_id)
    return result


def _resources(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, Mapping):
        return []
    if value.get("resourceType") != "Bundle":
        return [value]
    out = []
    for entry in value.get("entry") or []:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        search = entry.get("search") if isinstance(entry, Mapping) else None
        if isinstance(search, Mapping) and search.get("mode") == "outcome":
            continue
        if isinstance(resource, Mapping) and resource.get("resourceType") != "OperationOutcome":
            out.append(resource)
    return out


def as_bundle(data: Mapping[str, Any], patient_id: str) -> dict[str, Any]:
    """One collection Bundle of the patient and everything found, for ``fhir.read``; the
    Patient must be the context's patient (a mix-up would screen someone else's record)."""
    patient = data.get("patient")
    if not isinstance(patient, Mapping) or patient.get("id") != patient_id:
        raise HTTPProblem(400, "prefetch.patient: not the Patient of context.patientId")
    entries = [{"resource": patient}]
    for template in TEMPLATES[1:]:
        entries += [{"resource": r} for r in _resources(data.get(template.key))]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
