"""``spinerules serve``: an HL7 CDS Hooks 2.0 service an EHR calls, and a web questionnaire a
person fills in (``pip install 'spinerules[serve]'``: Starlette, uvicorn, Jinja2, httpx, PyJWT).

One module per idea: ``config`` (what an operator sets), ``limits`` (request bodies and time),
``discovery`` (the services and their prefetch templates), ``imaging`` (which draft orders are
lumbar spine imaging), ``prefetch`` (the FHIR data: given, fetched, or 412), ``cards`` (an
Assessment as CDS Hooks cards), ``auth`` (the EHR's JWT), ``feedback`` (accepted and overridden
cards in SQLite), ``web`` (the questionnaire and the handout page), ``app`` (the assembly) and
``run`` (uvicorn on a chosen or free port). docs/serve.md says what each decides and why.
"""

from __future__ import annotations

from .config import ServeConfig, TrustedIssuer, load_trust

__all__ = ["ServeConfig", "TrustedIssuer", "create_app", "load_trust"]


def create_app(config: ServeConfig) -> object:
    """The Starlette application (imported lazily: ``spinerules`` itself never needs Starlette)."""
    from .app import create_app as create

    return create(config)
