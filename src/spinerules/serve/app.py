"""The Starlette application: routes, the order of checks on each call, and error answers.

Every CDS Hooks call is checked in this order: the service exists (404), the JWT (bare 401),
the body's size (413) and JSON (400, one line), the request's shape (400, naming the element),
the FHIR data (412 when it cannot be had), then one evaluation in a worker thread under a
time limit (503 when it runs over). A failure anywhere else is a 500 with one line, never a
traceback. CORS headers come from Starlette's middleware, answering preflight requests without
a JWT (browsers send none on a preflight).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..api import assess, render
from ..assessment import Assessment
from ..errors import InvalidPatientState
from ..fhir import read as fhir_read
from . import web
from .auth import Verifier
from .cards import cards_for, no_screen_card, record_notes
from .config import ServeConfig
from .discovery import SERVICES, discovery
from .feedback import FeedbackStore, parse
from .imaging import imaging_orders
from .limits import HTTPProblem, one_line, read_body, read_json_object
from .prefetch import as_bundle, gather

T = TypeVar("T")
MAX_HANDOUTS = 2000
MAX_CARD_KINDS = 100_000
WEB_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class State:
    """What lives as long as the application: clients, the store and two bounded caches."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.client = httpx.AsyncClient(
            timeout=config.fetch_timeout_s, follow_redirects=False, trust_env=False
        )
        self.verifier = Verifier(config, self.client)
        self.feedback = FeedbackStore(config.db_path)
        self.handouts: OrderedDict[str, tuple[float, Assessment]] = OrderedDict()
        self.card_kinds: OrderedDict[str, str] = OrderedDict()
        # Evaluations are CPU-bound Python: more threads than cores only fight over the GIL
        # (measured: throughput fell from 89 to 40 requests/s going from 1 to 32 clients with
        # anyio's default 40 threads). Calls beyond this wait their turn, within the time limit.
        self.limiter = anyio.CapacityLimiter(config.eval_threads)

    def keep_handout(self, a: Assessment) -> str:
        token = secrets.token_urlsafe(18)
        self.handouts[token] = (time.monotonic() + self.config.handout_ttl_s, a)
        while len(self.handouts) > MAX_HANDOUTS:
            self.handouts.popitem(last=False)
        return token

    def handout(self, token: str) -> Assessment | None:
        found = self.handouts.get(token)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def keep_kinds(self, kinds: dict[str, str]) -> None:
        self.card_kinds.update(kinds)
        while len(self.card_kinds) > MAX_CARD_KINDS:
            self.card_kinds.popitem(last=False)


def _state(request: Request) -> State:
    state: State = request.app.state.spinerules
    return state


async def _authorize(request: Request) -> None:
    state = _state(request)
    if state.config.insecure_dev:
        return
    audience = state.config.public_url.rstrip("/") + request.url.path
    await state.verifier.verify(request.headers.get("authorization"), audience)


def _service(request: Request) -> str:
    service_id = request.path_params["service_id"]
    if service_id not in SERVICES:
        raise HTTPProblem(404, "no such CDS Service")
    return str(service_id)


async def _in_time(state: State, work: Callable[[], T]) -> T:
    try:
        with anyio.fail_after(state.config.eval_timeout_s):
            return await anyio.to_thread.run_sync(
                work, abandon_on_cancel=True, limiter=state.limiter
            )
    except TimeoutError:
        raise HTTPProblem(
            503, f"evaluation took longer than {state.config.eval_timeout_s:g} s"
        ) from None


async def get_discovery(request: Request) -> Response:
    await _authorize(request)
    return JSONResponse(discovery())


def _string_at(data: dict[str, Any], key: str, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise HTTPProblem(400, f"{where}{key}: required, a non-empty string")
    return value


async def post_service(request: Request) -> Response:
    service_id = _service(request)
    await _authorize(request)
    state = _state(request)
    body = await read_json_object(request, state.config.max_body_bytes)
    service = SERVICES[service_id]
    hook = _string_at(body, "hook")
    if hook != service.hook:
        raise HTTPProblem(400, f"hook: {hook[:60]!r} is not allowed; expected {service.hook!r}")
    _string_at(body, "hookInstance")
    context = body.get("context")
    if not isinstance(context, dict):
        raise HTTPProblem(400, "context: required, an object")
    patient_id = _string_at(context, "patientId", "context.")
    orders = None
    if service.hook != "patient-view":
        orders = imaging_orders(hook, context)
        if not orders:  # not a lumbar imaging order: nothing to advise on, nothing fetched
            return JSONResponse({"cards": []})
    data = await gather(body, state.config, state.client, patient_id)
    bundle = as_bundle(data, patient_id)
    base = state.config.public_url.rstrip("/")

    notes: list[str] = []

    def evaluate() -> Assessment | str:
        reading = fhir_read(bundle)
        notes.extend(f"{i.path}: {i.message}" for i in reading.issues if i.severity == "warning")
        if reading.state is None:
            return "; ".join(i.message for i in reading.issues if i.severity == "error")
        return assess(reading.state, engine=state.config.engine)

    try:
        outcome = await _in_time(state, evaluate)
    except InvalidPatientState as error:
        raise HTTPProblem(400, str(error)) from None
    form_link = {
        "label": "spinerules questionnaire for the person",
        "url": f"{base}/",
        "type": "absolute",
    }
    if isinstance(outcome, str):
        cards = [no_screen_card(outcome, imaging=orders is not None, links=[form_link])]
    else:
        token = state.keep_handout(outcome)
        handout = {
            "label": "Printable handout for the person",
            "url": f"{base}/handout/{token}",
            "type": "absolute",
        }
        cards = cards_for(outcome, links=[handout], questionnaire_link=form_link, imaging=orders)
    if notes:  # what the record said that could not be used, on the most urgent card
        cards[0].body["detail"] += record_notes(notes)
    state.keep_kinds({c.body["uuid"]: c.kind for c in cards})
    return JSONResponse({"cards": [c.body for c in cards]})


async def post_feedback(request: Request) -> Response:
    service_id = _service(request)
    await _authorize(request)
    state = _state(request)
    items = parse(await read_json_object(request, state.config.max_body_bytes))
    kinds = {i["card"]: state.card_kinds[i["card"]] for i in items if i["card"] in state.card_kinds}
    count = await anyio.to_thread.run_sync(state.feedback.record, service_id, items, kinds)
    return JSONResponse({"recorded": count})


async def get_feedback(request: Request) -> Response:
    service_id = _service(request)
    await _authorize(request)
    state = _state(request)
    rows = await anyio.to_thread.run_sync(state.feedback.list, service_id)
    return JSONResponse({"feedback": rows})


async def get_form(request: Request) -> Response:
    return HTMLResponse(web.render_form(), headers=WEB_HEADERS)


async def post_form(request: Request) -> Response:
    state = _state(request)
    body = await read_body(request, state.config.max_body_bytes)
    parsed = web.parse_form(body)
    if parsed.errors:
        return HTMLResponse(web.render_form(parsed), status_code=422, headers=WEB_HEADERS)
    try:
        if parsed.save:  # "save my answers": the answers as a file, nothing kept here
            return web.saved_answers(parsed, WEB_HEADERS)
        a = await _in_time(state, lambda: assess(parsed.values, engine=state.config.engine))
        page = render(a, "html")
    except InvalidPatientState as error:
        return HTMLResponse(
            web.render_form(parsed, message=one_line(str(error))),
            status_code=422,
            headers=WEB_HEADERS,
        )
    return HTMLResponse(page, headers=WEB_HEADERS)


async def get_handout(request: Request) -> Response:
    a = _state(request).handout(request.path_params["token"])
    if a is None:
        return PlainTextResponse("no such handout (they are kept for an hour)\n", status_code=404)
    return HTMLResponse(render(a, "html"), headers=WEB_HEADERS)


async def _problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPProblem)
    return error.response()


async def _internal(request: Request, error: Exception) -> Response:
    return PlainTextResponse(f"internal error: {type(error).__name__}\n", status_code=500)


def create_app(config: ServeConfig) -> Starlette:
    """The application for ``config`` (its clients and store are made at startup)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state = State(config)
        app.state.spinerules = state
        try:
            yield
        finally:
            await state.client.aclose()
            state.feedback.close()

    routes = [
        Route("/cds-services", get_discovery, methods=["GET"]),
        Route("/cds-services/{service_id}", post_service, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", post_feedback, methods=["POST"]),
        Route("/cds-services/{service_id}/feedback", get_feedback, methods=["GET"]),
        Route("/", get_form, methods=["GET"]),
        Route("/assess", post_form, methods=["POST"]),
        Route("/handout/{token}", get_handout, methods=["GET"]),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPProblem: _problem, Exception: _internal},
    )
