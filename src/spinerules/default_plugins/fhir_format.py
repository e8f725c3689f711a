"""The built-in ``fhir`` output format, registered like any plugin's (issue 10)."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl


@hookimpl
def register_formats(register: Callable[..., None]) -> None:
    from ..fhir.bundle import MEDIA_TYPE, render_fhir

    register(
        "fhir",
        render_fhir,
        media_type=MEDIA_TYPE,
        description="a FHIR R4 Bundle: RiskAssessment, a Flag per red flag, CarePlan proposal",
    )
