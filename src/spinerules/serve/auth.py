"""The CDS Client's JWT (CDS Hooks 2.0, "Trusting CDS Clients"), verified before anything else.

Accepted only when all hold: the ``Authorization: Bearer`` header carries a JWS whose header
has ``alg`` ES384 or RS384 (the two the spec recommends; ``none`` and every symmetric HS*
algorithm are refused, as the spec requires), ``typ`` JWT and a ``kid``; ``iss`` is a trusted
issuer and ``jku``, when given, is on that issuer's allowlist; the key is found by ``kid`` in
the issuer's JWK Set (fetched from the allowlisted ``jku``, or agreed out of band), is of the
algorithm's key type and, if it names an ``alg``, the same one; the signature verifies; ``aud``
is this endpoint's URL (string or array); ``exp``, ``iat`` and ``jti`` are present, ``exp`` is
in the future (30 s leeway) and no more than ``max_token_lifetime_s`` away; and the ``jti`` has
not been seen from that issuer before it expired (replay). Any failure is the same bare 401:
the caller learns nothing about which check failed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from .config import ServeConfig, TrustedIssuer
from .limits import HTTPProblem

ALGORITHMS = {"ES384": "EC", "RS384": "RSA"}
JWKS_TTL_S = 300.0
MAX_JWKS_BYTES = 64 * 1024
MAX_TOKEN_BYTES = 16 * 1024


class Unauthorized(HTTPProblem):
    def __init__(self) -> None:
        super().__init__(401, "")


class ReplayCache:
    """Seen ``(iss, jti)`` pairs until their ``exp``; bounded because ``exp`` is."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def first_use(self, iss: str, jti: str, exp: float, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: e for k, e in self._seen.items() if e >= now}
            key = (iss, jti)
            if key in self._seen and self._seen[key] >= now:
                return False
            self._seen[key] = exp
            return True


class Verifier:
    def __init__(self, config: ServeConfig, client: httpx.AsyncClient) -> None:
        self.config = config
        self.client = client
        self.replays = ReplayCache()
        self._jwks: dict[str, tuple[float, dict[str, Any]]] = {}
        self._keys: dict[tuple[str, str], Any] = {}

    def _key(self, jwk: Mapping[str, Any], alg: str) -> Any:
        """The public key object of a JWK, parsed once (parsing an EC point costs more than
        verifying with it)."""
        cache_key = (alg, json.dumps(jwk, sort_keys=True))
        key = self._keys.get(cache_key)
        if key is None:
            if len(self._keys) > 1000:
                self._keys.clear()
            key = self._keys[cache_key] = jwt.PyJWK(dict(jwk), algorithm=alg).key
        return key

    async def _key_set(self, issuer: TrustedIssuer, jku: object) -> Mapping[str, Any]:
        if jku is None:
            if issuer.jwks is not None:
                return issuer.jwks
            if len(issuer.jku) != 1:
                raise Unauthorized()
            jku = issuer.jku[0]
        if not isinstance(jku, str) or jku not in issuer.jku:
            raise Unauthorized()
        cached = self._jwks.get(jku)
        now = time.monotonic()
        if cached and now - cached[0] < JWKS_TTL_S:
            return cached[1]
        try:
            response = await self.client.get(jku, timeout=self.config.fetch_timeout_s)
        except httpx.HTTPError:
            raise Unauthorized() from None
        if response.status_code != 200 or len(response.content) > MAX_JWKS_BYTES:
            raise Unauthorized()
        try:
            keys = response.json()
        except ValueError:
            raise Unauthorized() from None
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise Unauthorized()
        self._jwks[jku] = (now, keys)
        return keys

    async def verify(self, authorization: str | None, audience: str) -> dict[str, Any]:
        """The verified claims, or ``Unauthorized``."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized()
        token = authorization[len("Bearer ") :].strip()
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthorized()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthorized() from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS or header.get("typ") != "JWT" or not isinstance(kid, str):
            raise Unauthorized()
        issuer = self.config.issuer(unverified.get("iss"))
        if issuer is None:
            raise Unauthorized()
        keys = await self._key_set(issuer, header.get("jku"))
        matches = [k for k in keys.get("keys", []) if isinstance(k, dict) and k.get("kid") == kid]
        if len(matches) != 1:
            raise Unauthorized()
        jwk = matches[0]
        if jwk.get("kty") != ALGORITHMS[alg] or jwk.get("alg", alg) != alg:
            raise Unauthorized()
        try:
            key = self._key(jwk, alg)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=audience,
                issuer=issuer.iss,
                leeway=self.config.leeway_s,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError):
            raise Unauthorized() from None
        now = time.time()
        exp, jti = claims["exp"], claims["jti"]
        if not isinstance(jti, str) or not jti or exp > now + self.config.max_token_lifetime_s:
            raise Unauthorized()
        if not self.replays.first_use(issuer.iss, jti, float(exp) + self.config.leeway_s, now):
            raise Unauthorized()
        return claims
