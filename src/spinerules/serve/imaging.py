"""Which draft orders are lumbar spine imaging (CT or MRI).

CPT (system ``http://www.ama-assn.org/go/cpt``): 72131/72132/72133 CT lumbar spine without,
with, and without then with contrast; 72148/72149/72158 MRI lumbar spine likewise. SNOMED CT
procedures as listed (with their fully specified names) in the Belgian eHealth value set
"eReferral/PSS Diagnostic Imaging Procedure" 1.0.0 (be-vs-diagnostic-imaging-procedure); each
id passes the Verhoeff check (a test). Plain X-ray of the lumbar spine is not in the table:
not asked for, and no code for it was verified here.

``order-select`` looks only at the orders just selected (``context.selections``);
``order-sign`` at every draft order (``context.draftOrders``), as the hooks define them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

CPT = "http://www.ama-assn.org/go/cpt"
SNOMED = "http://snomed.info/sct"

LUMBAR_IMAGING: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        (CPT, "72131"): "CT lumbar spine without contrast",
        (CPT, "72132"): "CT lumbar spine with contrast",
        (CPT, "72133"): "CT lumbar spine without then with contrast",
        (CPT, "72148"): "MRI lumbar spine without contrast",
        (CPT, "72149"): "MRI lumbar spine with contrast",
        (CPT, "72158"): "MRI lumbar spine without then with contrast",
        (SNOMED, "90523008"): "Computed tomography of lumbar vertebral column with contrast",
        (SNOMED, "572091000119106"): "Computed tomography of lumbar spine without contrast",
        (SNOMED, "723646000"): "Computed tomography of lumbar and sacral spine with contrast",
        (SNOMED, "711224009"): "Computed tomography of lumbar and sacral spine",
        (SNOMED, "41333006"): "Magnetic resonance imaging of lumbar spine with contrast",
        (SNOMED, "394451000119106"): "Magnetic resonance imaging of lumbar spine without contrast",
        (SNOMED, "726546000"): "Magnetic resonance imaging of lumbar spine and sacroiliac joint",
        (
            SNOMED,
            "709653005",
        ): "Magnetic resonance imaging of lumbar spine and sacroiliac joint with contrast",
    }
)

#: Orders that can carry an imaging procedure code.
ORDER_TYPES = ("ServiceRequest",)


@attrs.frozen
class ImagingOrder:
    reference: str  # "ServiceRequest/abc": the resourceId of a delete suggestion
    display: str


def _codes(resource: Mapping[str, Any]) -> list[tuple[str, str]]:
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, Mapping) else None
    if not isinstance(codings, list):
        return []
    return [
        (c["system"], c["code"])
        for c in codings
        if isinstance(c, Mapping)
        and isinstance(c.get("system"), str)
        and isinstance(c.get("code"), str)
    ]


def _draft_resources(context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    bundle = context.get("draftOrders")
    entries = bundle.get("entry") if isinstance(bundle, Mapping) else None
    if not isinstance(entries, list):
        return []
    out = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(resource, Mapping):
            out.append(resource)
    return out


def imaging_orders(hook: str, context: Mapping[str, Any]) -> list[ImagingOrder]:
    """The lumbar spine imaging orders this hook call is about, in the order given."""
    found = []
    selections = context.get("selections")
    chosen = (
        {s for s in selections if isinstance(s, str)}
        if hook == "order-select" and isinstance(selections, list)
        else None
    )
    for resource in _draft_resources(context):
        kind, rid = resource.get("resourceType"), resource.get("id")
        if kind not in ORDER_TYPES or not isinstance(rid, str):
            continue
        reference = f"{kind}/{rid}"
        if chosen is not None and reference not in chosen:
            continue
        names = [LUMBAR_IMAGING[c] for c in _codes(resource) if c in LUMBAR_IMAGING]
        if names:
            found.append(ImagingOrder(reference, names[0]))
    return found
