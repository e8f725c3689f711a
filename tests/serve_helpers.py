"""Helpers for the serve tests: servers on 127.0.0.1 started and stopped by the test, a fake
FHIR server over the shared Synthea bundles, JWTs signed by test keys, and CDS Hooks requests.

Nothing here reaches any address but 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.fhir_helpers import ANNA, DARYL, FIXTURES

from spinerules.fhir import questionnaire_response
from spinerules.patient import PatientState

CDS_FIXTURES = FIXTURES / "cds-hooks"
ROOT = Path(__file__).resolve().parents[1]
ISSUER = "https://ehr.test.invalid/"
FHIR_TOKEN = "fhir-access-token-for-tests"


def fixture(name: str) -> Any:
    return json.loads((CDS_FIXTURES / name).read_text(encoding="utf-8"))


# --- servers ------------------------------------------------------------------------------------


def bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as spinerules.serve.run.bind
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    return sock


@contextmanager
def running(app: Any, sock: socket.socket | None = None) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free 127.0.0.1 port; its base URL."""
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@contextmanager
def cli_server(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``spinerules serve --port 0 ARGS`` as a process; the URL it printed first, and it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spinerules", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            proc.kill()
            raise RuntimeError(
                f"serve printed {url!r}; stderr: {proc.stderr.read() if proc.stderr else ''}"
            )
        deadline = time.monotonic() + 30
        while True:  # the URL is printed before uvicorn starts accepting
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("serve did not start") from None
                time.sleep(0.05)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- the fake FHIR server ----------------------------------------------------------------------


def _synthea(path: Path) -> tuple[str, list[dict[str, Any]]]:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    return patient["id"], resources


class FakeFHIR:
    """Patient read and Condition / Observation / QuestionnaireResponse search over the Synthea
    bundles, a JWK Set at /jwks.json, and a log of every request (path, query, Authorization)."""

    def __init__(self, jwks: dict[str, Any], page_size: int = 50) -> None:
        self.patients: dict[str, list[dict[str, Any]]] = {}
        for path in (ANNA, DARYL):
            pid, resources = _synthea(path)
            self.patients[pid] = resources
        self.jwks = jwks
        self.page_size = page_size
        self.requests: list[tuple[str, str, str | None]] = []
        self.base = ""

    @property
    def anna(self) -> str:
        return _synthea(ANNA)[0]

    @property
    def daryl(self) -> str:
        return _synthea(DARYL)[0]

    def app(self) -> Starlette:
        async def patient(request: Request) -> Response:
            self._log(request)
            pid = request.path_params["pid"]
            for r in self.patients.get(pid, []):
                if r["resourceType"] == "Patient":
                    return JSONResponse(r)
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)

        async def search(request: Request) -> Response:
            self._log(request)
            kind = request.path_params["kind"]
            pid = request.query_params.get("patient", "")
            found = [r for r in self.patients.get(pid, []) if r["resourceType"] == kind]
            if kind == "Observation":
                found.sort(key=lambda r: r.get("effectiveDateTime", ""), reverse=True)
                found = found[: int(request.query_params.get("_count", "100"))]
            page = int(request.query_params.get("_page", "1"))
            chunk = found[(page - 1) * self.page_size : page * self.page_size]
            bundle: dict[str, Any] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(found),
                "entry": [{"resource": r, "search": {"mode": "match"}} for r in chunk],
            }
            if page * self.page_size < len(found):
                query = dict(request.query_params) | {"_page": str(page + 1)}
                nxt = httpx.URL(f"{self.base}/{kind}", params=query)
                bundle["link"] = [{"relation": "next", "url": str(nxt)}]
            return JSONResponse(bundle)

        async def keys(request: Request) -> Response:
            self._log(request)
            return JSONResponse(self.jwks)

        return Starlette(
            routes=[
                Route("/jwks.json", keys),
                Route("/Patient/{pid}", patient),
                Route("/{kind}", search),
            ]
        )

    def _log(self, request: Request) -> None:
        self.requests.append(
            (request.url.path, request.url.query, request.headers.get("authorization"))
        )


# --- keys and tokens ---------------------------------------------------------------------------


class Keys:
    """An EC P-384 key (ES384, kid "ec") and an RSA key (RS384, kid "rsa") of the test EHR."""

    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        return {
            "keys": [
                {**ec_jwk, "kid": "ec", "use": "sig", "alg": "ES384"},
                {**rsa_jwk, "kid": "rsa", "use": "sig", "alg": "RS384"},
            ]
        }

    def token(
        self,
        aud: str | list[str],
        *,
        alg: str = "ES384",
        kid: str | None = None,
        iss: str = ISSUER,
        exp_in: float = 300,
        jti: str | None = None,
        jku: str | None = None,
        typ: str = "JWT",
        key: Any = None,
        drop: tuple[str, ...] = (),
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": iss,
            "aud": aud,
            "exp": now + int(exp_in),
            "iat": now,
            "jti": jti or str(uuid.uuid4()),
            "tenant": "test-tenant",
        }
        for name in drop:
            claims.pop(name)
        headers = {"typ": typ, "kid": kid or ("rsa" if alg.startswith("RS") else "ec")}
        if jku:
            headers["jku"] = jku
        if key is None:
            key = self.rsa if alg.startswith(("RS", "PS")) else self.ec
        return jwt.encode(claims, key, algorithm=alg, headers=headers)


# --- requests ----------------------------------------------------------------------------------

PATIENT_ID = "p-1"


def fhir_patient(
    pid: str = PATIENT_ID, birth: str = "1980-04-02", gender: str = "female"
) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": birth, "gender": gender}


def searchset(*resources: Mapping[str, Any], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": dict(r)} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def prefetch_for(state: Mapping[str, Any], pid: str = PATIENT_ID) -> dict[str, Any]:
    """Prefetch whose QuestionnaireResponse carries ``state``'s answers (age from birthDate is
    left out: the response answers it)."""
    response = questionnaire_response(PatientState.from_dict(dict(state)))
    response["subject"] = {"reference": f"Patient/{pid}"}
    response.setdefault("id", "qr-1")
    # born on the 31st of December, so that on any day of the year the age is the answer's
    year = dt.date.today().year - int(state["age"]) - 1
    patient = fhir_patient(pid, birth=f"{year}-12-31")
    return {
        "patient": patient,
        "conditions": None,
        "observations": None,
        "questionnaireResponse": searchset(response),
    }


def hook_request(
    hook: str = "patient-view",
    prefetch: Mapping[str, Any] | None = None,
    *,
    pid: str = PATIENT_ID,
    fhir_server: str | None = None,
    draft_orders: list[dict[str, Any]] | None = None,
    selections: list[str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": pid},
    }
    if draft_orders is not None:
        body["context"]["draftOrders"] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in draft_orders],
        }
    if selections is not None:
        body["context"]["selections"] = selections
    if prefetch is not None:
        body["prefetch"] = dict(prefetch)
    if fhir_server:
        body["fhirServer"] = fhir_server
        body["fhirAuthorization"] = {
            "access_token": FHIR_TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Patient.read user/Condition.read user/Observation.read",
            "subject": "spinerules",
        }
    return body


def service_request(rid: str, system: str, code: str, status: str = "draft") -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
    }


#: A person who answered every core safety question "no" (a complete screen, no red flag).
ALL_NO: dict[str, Any] = {
    "age": 38,
    "pain_duration_days": 10,
    "saddle_anaesthesia": False,
    "urinary_retention": False,
    "urinary_incontinence": False,
    "faecal_incontinence": False,
    "leg_pain": "none",
    "leg_numbness_or_tingling": "none",
    "leg_weakness": "none",
    "history_of_cancer": False,
    "fever": False,
    "major_trauma": False,
}
CAUDA_EQUINA: dict[str, Any] = {
    **ALL_NO,
    "saddle_anaesthesia": True,
    "urinary_retention": True,
    "neuro_symptoms_course": "new",
}
