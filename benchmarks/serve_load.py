"""A bounded load test of ``spinerules serve`` on 127.0.0.1: patient-view with prefetch.

    python benchmarks/serve_load.py                 # 6 s per row, ~1 minute
    python benchmarks/serve_load.py --seconds 2     # a quick run

The service runs as ``spinerules serve --port 0`` in its own process (the URL is the first line
it prints); the clients are asyncio tasks in this process, each with its own keep-alive
connection, sending ``patient-view`` calls whose prefetch carries a QuestionnaireResponse of a
patient from the seeded benchmark population (benchmarks/population.py), so the tier mix is
the population's. Rows:

* 1, 8 and 32 concurrent clients, JWT checking off (``--insecure-dev``): the service itself;
* 8 clients with an ES384 JWT per call (a fresh ``jti`` each, signed before the row starts):
  what verification adds;
* 8 valid clients beside 8 flooding clients that send, in turn, a 2 MiB body (413), malformed
  JSON (400), a body without a patient (400) and no prefetch (412): the valid calls' rps and
  p99 and how many of them failed, and the flood's own rate.

Every response's status is checked (200 for a valid call, the expected code for a flood call);
the table counts anything else as an error. Nothing is asserted about time. Both ends share the
machine's cores, so absolute numbers are a floor for a real deployment; the rows compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("SPINERULES_LOAD_PLUGINS", "")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from population import generate  # noqa: E402

from spinerules.fhir import questionnaire_response  # noqa: E402
from spinerules.patient import PatientState  # noqa: E402
from spinerules.serve.config import TrustedIssuer, dumps_trust  # noqa: E402
from spinerules.serve.discovery import PATIENT_VIEW  # noqa: E402

ISSUER = "https://ehr.bench.invalid/"


def _body(patient: dict[str, Any], n: int) -> bytes:
    state = PatientState.from_dict(patient)
    response = questionnaire_response(state)
    pid = f"p{n}"
    response["subject"] = {"reference": f"Patient/{pid}"}
    year = time.gmtime().tm_year - int(patient["age"]) - 1
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/bench", "patientId": pid},
        "prefetch": {
            "patient": {"resourceType": "Patient", "id": pid, "birthDate": f"{year}-12-31"},
            "conditions": None,
            "observations": None,
            "questionnaireResponse": {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": response}],
            },
        },
    }
    return json.dumps(body).encode()


FLOOD = (
    (b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}', 413),
    (b'{"hook": "patient-view", "context": {', 400),
    (b'{"hook": "patient-view", "hookInstance": "x", "context": {}}', 400),
    (b'{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}}', 412),
)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def _client(
    url: str,
    bodies: list[bytes],
    tokens: list[str] | None,
    stop: float,
    offset: int,
    stride: int,
    lat: list[float],
    errors: list[int],
) -> None:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=1)) as client:
        i = offset
        while time.perf_counter() < stop:
            headers = {"Content-Type": "application/json"}
            if tokens is not None:
                headers["Authorization"] = "Bearer " + tokens[i % len(tokens)]
            t0 = time.perf_counter()
            try:
                r = await client.post(url, content=bodies[i % len(bodies)], headers=headers)
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            lat.append(time.perf_counter() - t0)
            if not ok:
                errors.append(1)
            i += stride


async def _flooder(url: str, stop: float, count: list[int], errors: list[int]) -> None:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=1)) as client:
        i = 0
        while time.perf_counter() < stop:
            raw, expected = FLOOD[i % len(FLOOD)]
            try:
                r = await client.post(
                    url, content=raw, headers={"Content-Type": "application/json"}
                )
                if r.status_code != expected:
                    errors.append(1)
            except httpx.TransportError:
                if expected != 413:  # a refused 2 MiB body may see the connection closed mid-send
                    errors.append(1)
            except httpx.HTTPError:
                errors.append(1)
            count.append(1)
            i += 1


async def _row(
    url: str,
    bodies: list[bytes],
    clients: int,
    seconds: float,
    *,
    tokens: list[str] | None = None,
    flood: int = 0,
) -> dict[str, Any]:
    lat: list[float] = []
    errors: list[int] = []
    flood_count: list[int] = []
    flood_errors: list[int] = []
    start = time.perf_counter()
    stop = start + seconds
    tasks = [
        _client(url, bodies, tokens, stop, k, clients, lat, errors) for k in range(clients)
    ] + [_flooder(url, stop, flood_count, flood_errors) for _ in range(flood)]
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - start
    return {
        "clients": clients,
        "requests": len(lat),
        "rps": len(lat) / wall,
        "p50_ms": _p(lat, 0.50) * 1000,
        "p99_ms": _p(lat, 0.99) * 1000,
        "errors": len(errors),
        "flood_rps": len(flood_count) / wall if flood else None,
        "flood_errors": len(flood_errors) if flood else None,
    }


def _start(args: list[str]) -> tuple[str, subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "spinerules", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    for _ in range(300):
        try:
            httpx.get(url + "/", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return url, proc


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=6.0, help="duration of each row")
    parser.add_argument("--patients", type=int, default=500, help="distinct request bodies")
    parser.add_argument(
        "--engine", default="auto", help="the service's --engine (auto, durable, python)"
    )
    parser.add_argument("--json", help="also write the rows as JSON")
    args = parser.parse_args()
    bodies = [_body(p, n) for n, p in enumerate(generate(args.patients))]
    rows: list[tuple[str, dict[str, Any]]] = []

    url, proc = _start(["--insecure-dev", "--engine", args.engine])
    try:
        endpoint = f"{url}/cds-services/{PATIENT_VIEW}"
        asyncio.run(_row(endpoint, bodies, 4, min(2.0, args.seconds)))  # warm-up, not reported
        for clients in (1, 8, 32):
            print(f"patient-view, {clients} clients ...", file=sys.stderr)
            rows.append(
                (f"{clients} clients", asyncio.run(_row(endpoint, bodies, clients, args.seconds)))
            )
        print("flood ...", file=sys.stderr)
        rows.append(
            (
                "8 clients + 8 flooding",
                asyncio.run(_row(endpoint, bodies, 8, args.seconds, flood=8)),
            )
        )
    finally:
        _stop(proc)

    key = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [{**public, "kid": "bench", "alg": "ES384"}]}
    with tempfile.TemporaryDirectory() as folder:
        trust = Path(folder) / "trust.json"
        trust.write_text(dumps_trust([TrustedIssuer(ISSUER, (), jwks)], []))
        url, proc = _start(["--trust", str(trust), "--engine", args.engine])
        try:
            endpoint = f"{url}/cds-services/{PATIENT_VIEW}"
            now = int(time.time())
            expected = int(8 * args.seconds * 400) + 1000  # far more than 8 clients can send
            tokens = [
                jwt.encode(
                    {
                        "iss": ISSUER,
                        "aud": endpoint,
                        "iat": now,
                        "exp": now + 600,
                        "jti": str(uuid.uuid4()),
                    },
                    key,
                    algorithm="ES384",
                    headers={"kid": "bench", "typ": "JWT"},
                )
                for _ in range(min(expected, 20_000))
            ]
            print("patient-view with JWT, 8 clients ...", file=sys.stderr)
            rows.append(
                (
                    "8 clients, ES384 JWT",
                    asyncio.run(_row(endpoint, bodies, 8, args.seconds, tokens=tokens)),
                )
            )
        finally:
            _stop(proc)

    print(
        f"spinerules serve (engine {args.engine}), patient-view with prefetch, 127.0.0.1, "
        f"{args.seconds:g} s per row, {os.cpu_count()} cores"
    )
    print(
        f"{'row':<26} {'requests':>9} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'flood rps':>10} {'flood errors':>13}"
    )
    for name, r in rows:
        flood = (
            f"{r['flood_rps']:>10.0f} {r['flood_errors']:>13}"
            if r["flood_rps"] is not None
            else f"{'-':>10} {'-':>13}"
        )
        print(
            f"{name:<26} {r['requests']:>9} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>7} {flood}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(dict(rows), indent=2))
    return 1 if any(r["errors"] or r["flood_errors"] for _, r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
