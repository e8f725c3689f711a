"""``spinerules serve``: bind, print the URL as the first line of stdout, serve until stopped.

The socket is bound here, not by uvicorn, so that port 0 gives a free port whose number is
known before the first request (a test or a supervisor reads the first line and connects).
"""

from __future__ import annotations

import socket
import sys

import uvicorn

from ..errors import InvalidPatientState
from .app import create_app
from .config import ServeConfig, TrustedIssuer

INSECURE_WARNING = (
    "spinerules: WARNING: --insecure-dev: JWT verification is OFF; any caller is trusted. "
    "Never use this with real patient data."
)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, on a keep-alive connection a response
    # written in two parts (headers, body) waits ~40 ms for the client's delayed ACK (Nagle).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    host: str,
    port: int,
    *,
    db: str | None = None,
    insecure_dev: bool = False,
    trusted: tuple[TrustedIssuer, ...] = (),
    fhir_servers: tuple[str, ...] = (),
    public_url: str | None = None,
    engine: str = "auto",
) -> None:
    try:
        sock = bind(host, port)
    except OSError as error:
        raise InvalidPatientState(
            f"--host/--port: cannot listen on {host}:{port}: {error.strerror or error}"
        ) from None
    chosen = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{chosen}"
    config = ServeConfig(
        public_url=public_url or url,
        trusted=trusted,
        fhir_servers=fhir_servers,
        db_path=db,
        insecure_dev=insecure_dev,
        engine=engine,
    )
    print(url, flush=True)
    if insecure_dev:
        print(INSECURE_WARNING, file=sys.stderr, flush=True)
    elif not trusted:
        print(
            "spinerules: warning: no trusted issuers (--trust FILE): every CDS Hooks call will get 401",
            file=sys.stderr,
            flush=True,
        )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config),
            log_level="warning",
            access_log=False,
            timeout_keep_alive=5,
            lifespan="on",
        )
    )
    server.run(sockets=[sock])
