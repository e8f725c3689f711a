"""What an operator sets: where the service is reached, whom it trusts, and its limits.

Kept apart from the application so the command line, the tests and the load benchmark build
the same ``ServeConfig`` and nothing else reads the environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from ..errors import InvalidPatientState
from ..jsonio import loads, quote

#: 1 MiB: a CDS Hooks request with prefetched resources for one person is far smaller.
DEFAULT_MAX_BODY = 1024 * 1024


@attrs.frozen
class TrustedIssuer:
    """A CDS Client whose JWTs are accepted: its ``iss``, the ``jku`` URLs it may name, and a
    JWK Set agreed out of band (CDS Hooks 2.0, "Trusting CDS Clients": without ``jku`` "the
    CDS Client and CDS Service SHALL communicate the JWK Set out-of-band")."""

    iss: str
    jku: tuple[str, ...] = ()
    jwks: dict[str, Any] | None = None


@attrs.frozen
class ServeConfig:
    """Everything ``create_app`` needs.

    ``public_url`` is the base URL the EHR calls (the JWT ``aud`` is checked against it plus the
    path); ``fhir_servers`` are the only ``fhirServer`` base URLs the service will fetch from
    (anything else is treated as unreachable: a request cannot make the service call an
    arbitrary address); ``insecure_dev`` turns JWT checking off.
    """

    public_url: str
    trusted: tuple[TrustedIssuer, ...] = ()
    fhir_servers: tuple[str, ...] = ()
    db_path: str | None = None
    insecure_dev: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY
    eval_timeout_s: float = 5.0
    eval_threads: int = 2
    fetch_timeout_s: float = 5.0
    max_fetch_pages: int = 10
    #: JWTs valid for longer than this are refused: the replay cache holds each jti until exp.
    max_token_lifetime_s: int = 3600
    leeway_s: int = 30
    handout_ttl_s: int = 3600
    engine: str = "auto"
    cors_origins: tuple[str, ...] = ("*",)

    def issuer(self, iss: object) -> TrustedIssuer | None:
        return next((t for t in self.trusted if t.iss == iss), None)


def load_trust(path: str | Path) -> tuple[tuple[TrustedIssuer, ...], tuple[str, ...]]:
    """Read a trust file: ``{"issuers": [{"iss": ..., "jku": [...], "jwks": {...}}],
    "fhir_servers": [...]}``. Bad content raises ``InvalidPatientState`` naming the key."""
    source = f"trust file {quote(str(path))}"
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise InvalidPatientState(f"{source}: cannot read: {error.strerror}") from error
    data = loads(raw, source=source)
    if not isinstance(data, dict) or set(data) - {"issuers", "fhir_servers"}:
        raise InvalidPatientState(
            f"{source}: expected an object with keys 'issuers' and 'fhir_servers'"
        )
    issuers = []
    for n, item in enumerate(data.get("issuers", [])):
        where = f"{source}: issuers[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("iss"), str):
            raise InvalidPatientState(f"{where}: expected an object with a string 'iss'")
        jku = item.get("jku", [])
        jwks = item.get("jwks")
        if not isinstance(jku, list) or not all(isinstance(u, str) for u in jku):
            raise InvalidPatientState(f"{where}.jku: expected a list of URLs")
        if jwks is not None and not (isinstance(jwks, dict) and isinstance(jwks.get("keys"), list)):
            raise InvalidPatientState(f'{where}.jwks: expected a JWK Set {{"keys": [...]}}')
        if not jku and jwks is None:
            raise InvalidPatientState(f"{where}: give 'jku' URLs, a 'jwks', or both")
        issuers.append(TrustedIssuer(item["iss"], tuple(jku), jwks))
    servers = data.get("fhir_servers", [])
    if not isinstance(servers, list) or not all(isinstance(s, str) for s in servers):
        raise InvalidPatientState(f"{source}: fhir_servers: expected a list of base URLs")
    return tuple(issuers), tuple(s.rstrip("/") for s in servers)


def dumps_trust(issuers: list[TrustedIssuer], fhir_servers: list[str]) -> str:
    """The trust file for these issuers (used by tests and the benchmark)."""
    return json.dumps(
        {
            "issuers": [
                {"iss": t.iss, "jku": list(t.jku), **({"jwks": t.jwks} if t.jwks else {})}
                for t in issuers
            ],
            "fhir_servers": fhir_servers,
        }
    )
