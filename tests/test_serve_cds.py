"""spinerules serve as an EHR meets it: CDS Hooks 2.0 over real HTTP on 127.0.0.1.

The service runs as ``spinerules serve --port 0`` (the URL is the first line it prints), with a
trust file naming the test EHR's keys and the fake FHIR server; both are started and stopped
here. Every response is checked against the JSON Schema written from the spec
(spinerules.serve.schema), and the spec's own examples are replayed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from tests.serve_helpers import (
    ALL_NO,
    CAUDA_EQUINA,
    FHIR_TOKEN,
    ISSUER,
    PATIENT_ID,
    FakeFHIR,
    Keys,
    cli_server,
    fixture,
    hook_request,
    prefetch_for,
    running,
    searchset,
    service_request,
)

from spinerules.serve.config import TrustedIssuer, dumps_trust
from spinerules.serve.discovery import ORDER_SELECT, ORDER_SIGN, PATIENT_VIEW, TEMPLATES
from spinerules.serve.imaging import CPT, SNOMED
from spinerules.serve.schema import DISCOVERY_SCHEMA, FEEDBACK_SCHEMA, RESPONSE_SCHEMA

RESPONSE = jsonschema.Draft202012Validator(RESPONSE_SCHEMA)
DISCOVERY = jsonschema.Draft202012Validator(DISCOVERY_SCHEMA)
FEEDBACK = jsonschema.Draft202012Validator(FEEDBACK_SCHEMA)
HMAC_SECRET = "a shared secret, which CDS Hooks forbids: 48 bytes or more"
P256 = ec.generate_private_key(ec.SECP256R1())


class Env:
    def __init__(self, url: str, keys: Keys, fake: FakeFHIR, fhir_url: str, db: Path) -> None:
        self.url, self.keys, self.fake, self.fhir_url, self.db = url, keys, fake, fhir_url, db
        self.http = httpx.Client(timeout=30)

    def token(self, path: str, **options: Any) -> str:
        return self.keys.token(self.url + path, **options)

    def post(
        self, path: str, body: Any, *, token: str | None = None, raw: bytes | None = None
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token or self.token(path)}",
            "Content-Type": "application/json",
        }
        content = raw if raw is not None else json.dumps(body).encode()
        return self.http.post(self.url + path, content=content, headers=headers)

    def get(self, path: str, *, token: str | None = None) -> httpx.Response:
        return self.http.get(
            self.url + path, headers={"Authorization": f"Bearer {token or self.token(path)}"}
        )

    def cards(self, service: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.post(f"/cds-services/{service}", body)
        assert response.status_code == 200, response.text
        data = response.json()
        RESPONSE.validate(data)
        return list(data["cards"])


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    keys = Keys()
    fake = FakeFHIR(keys.jwks())
    with running(fake.app()) as fhir_url:
        fake.base = fhir_url
        folder = tmp_path_factory.mktemp("serve")
        trust = folder / "trust.json"
        trust.write_text(
            dumps_trust(
                [TrustedIssuer(ISSUER, (fhir_url + "/jwks.json",), keys.jwks())], [fhir_url]
            )
        )
        db = folder / "feedback.sqlite"
        with cli_server("--trust", str(trust), "--db", str(db)) as (url, _proc):
            yield Env(url, keys, fake, fhir_url, db)


def _texts(cards: list[dict[str, Any]]) -> str:
    return "\n".join(c["summary"] + "\n" + c.get("detail", "") for c in cards)


# --- discovery and the spec's examples -----------------------------------------------------------


def test_discovery_lists_the_three_services_with_prefetch(env: Env) -> None:
    response = env.get("/cds-services")
    assert response.status_code == 200
    data = response.json()
    DISCOVERY.validate(data)
    hooks = {s["id"]: s["hook"] for s in data["services"]}
    assert hooks == {
        PATIENT_VIEW: "patient-view",
        ORDER_SELECT: "order-select",
        ORDER_SIGN: "order-sign",
    }
    for service in data["services"]:
        assert set(service["prefetch"]) == {t.key for t in TEMPLATES}
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert (
            "QuestionnaireResponse?patient={{context.patientId}}"
            in service["prefetch"]["questionnaireResponse"]
        )


@pytest.mark.parametrize(
    ("name", "validator", "problems"),
    [
        ("response-cards-example1.json", RESPONSE, set()),
        ("response-empty.json", RESPONSE, set()),
        # The fixtures are from the 3.0.0 ballot text; these two depart from the 2.0 tables
        # the schema follows: a card without the REQUIRED indicator and a link with 3.0's
        # autolaunchable; an action without the REQUIRED description.
        (
            "response-cards-example2.json",
            RESPONSE,
            {("cards/0", "required"), ("cards/0/links/0", "additionalProperties")},
        ),
        ("response-systemActions.json", RESPONSE, {("systemActions/0", "required")}),
        ("discovery-response.json", DISCOVERY, set()),
        ("discovery-with-extension.json", DISCOVERY, set()),
        ("feedback-accepted.json", FEEDBACK, set()),
        ("feedback-overridden.json", FEEDBACK, set()),
        ("feedback-overridden-with-reason.json", FEEDBACK, set()),
    ],
)
def test_the_schemas_read_the_specs_examples(
    name: str, validator: Any, problems: set[tuple[str, str]]
) -> None:
    found = {
        ("/".join(map(str, e.absolute_path)), e.validator)
        for e in validator.iter_errors(fixture(name))
    }
    assert found == problems


def test_schema_refuses_what_the_spec_forbids() -> None:
    card = {"summary": "x" * 140, "indicator": "info", "source": {"label": "s"}}
    assert not RESPONSE.is_valid({"cards": [card]})  # summary must be < 140
    card = {"summary": "ok", "indicator": "urgent", "source": {"label": "s"}}
    assert not RESPONSE.is_valid({"cards": [card]})
    card = {
        "summary": "ok",
        "indicator": "info",
        "source": {"label": "s"},
        "suggestions": [{"label": "x"}],
    }
    assert not RESPONSE.is_valid({"cards": [card]})  # selectionBehavior is then required
    override = {
        "summary": "ok",
        "indicator": "info",
        "source": {"label": "s"},
        "overrideReasons": [{"code": "a", "system": "b"}],
    }
    assert not RESPONSE.is_valid({"cards": [override]})  # a display is required


def test_spec_patient_view_example_is_412_without_reaching_its_server(env: Env) -> None:
    """request-patient-view.json prefetches only 'patientToGreet' and names fhirServer
    hooks.smarthealthit.org, which is not on the allowlist: 412, and nothing is fetched."""
    before = len(env.fake.requests)
    body = fixture("request-patient-view.json")
    response = env.post(f"/cds-services/{PATIENT_VIEW}", body)
    assert response.status_code == 412
    assert (
        "allowlist" in response.text
        and response.text[-1] == "\n"
        and response.text.count("\n") == 1
    )
    assert len(env.fake.requests) == before


def test_spec_order_sign_example_without_imaging_gets_no_cards(env: Env) -> None:
    body = fixture("request-order-sign-prefetch-pagination.json")
    assert env.cards(ORDER_SIGN, body) == []


def test_spec_request_without_patient_is_400_naming_the_field(env: Env) -> None:
    response = env.post(f"/cds-services/{PATIENT_VIEW}", fixture("request-with-extension.json"))
    assert response.status_code == 400
    assert response.text.strip() == "context.patientId: required, a non-empty string"


# --- patient-view --------------------------------------------------------------------------------


def test_cauda_equina_is_critical_and_nothing_reassuring(env: Env) -> None:
    cards = env.cards(PATIENT_VIEW, hook_request(prefetch=prefetch_for(CAUDA_EQUINA)))
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert any(c["summary"].startswith("Emergency:") for c in critical)
    assert not [c for c in cards if c["indicator"] == "info"]
    assert "Self-care" not in _texts(cards)
    for card in cards:
        assert len(card["summary"]) < 140
        assert card["source"]["label"].startswith("spinerules ")
        assert "rules " in card["source"]["label"]
        link = card["links"][0]
        assert link["url"].startswith(env.url + "/handout/")
    handout = env.http.get(critical[0]["links"][0]["url"])
    assert handout.status_code == 200
    assert "go to an emergency department now" in handout.text


def test_complete_screen_without_red_flag_is_one_self_care_card(env: Env) -> None:
    cards = env.cards(PATIENT_VIEW, hook_request(prefetch=prefetch_for(ALL_NO)))
    assert [c["indicator"] for c in cards] == ["info"]
    assert cards[0]["summary"].startswith("Self-care:")
    assert "not a diagnosis" in cards[0]["detail"]


def test_incomplete_screen_asks_the_questions_never_reassures(env: Env) -> None:
    answers = {k: v for k, v in ALL_NO.items() if k not in ("fever", "major_trauma")}
    cards = env.cards(PATIENT_VIEW, hook_request(prefetch=prefetch_for(answers)))
    assert [c["indicator"] for c in cards] == ["warning"]
    card = cards[0]
    assert (
        card["summary"]
        == "Answer these safety questions first: 2 core safety questions not answered"
    )
    assert "Do you have a fever of 38 °C or more" in card["detail"]
    assert "bad injury" in card["detail"]
    assert any(link["url"] == env.url + "/" for link in card["links"])


def test_no_prefetch_reads_anna_from_the_fhir_server_with_the_token(env: Env) -> None:
    before = len(env.fake.requests)
    body = hook_request(pid=env.fake.anna, fhir_server=env.fhir_url)
    cards = env.cards(PATIENT_VIEW, body)
    asked = env.fake.requests[before:]
    assert {path.split("/")[1] for path, _, _ in asked} == {
        "Patient",
        "Condition",
        "Observation",
        "QuestionnaireResponse",
    }
    assert all(auth == f"Bearer {FHIR_TOKEN}" for _, _, auth in asked)
    # Anna's record answers no symptom: an incomplete screen, never a reassuring card
    assert [c["indicator"] for c in cards] == ["warning"]
    assert cards[0]["summary"].startswith("Answer these safety questions first")


def test_paged_conditions_are_followed_to_the_end(env: Env) -> None:
    env.fake.page_size = 5
    try:
        before = len(env.fake.requests)
        env.cards(PATIENT_VIEW, hook_request(pid=env.fake.anna, fhir_server=env.fhir_url))
        condition_pages = [q for p, q, _ in env.fake.requests[before:] if p == "/Condition"]
        total = sum(1 for r in env.fake.patients[env.fake.anna] if r["resourceType"] == "Condition")
        assert len(condition_pages) == -(-total // 5) > 1
    finally:
        env.fake.page_size = 50


def test_a_child_gets_a_not_possible_card_not_no_red_flag(env: Env) -> None:
    cards = env.cards(PATIENT_VIEW, hook_request(pid=env.fake.daryl, fhir_server=env.fhir_url))
    assert len(cards) == 1
    assert cards[0]["summary"].startswith("Low back pain screen not possible")
    assert "16" in cards[0]["detail"] and "not a finding of" in cards[0]["detail"]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.pop("conditions"),  # a key the client did not satisfy
        lambda p: p.update(patient=None),  # no Patient: the age cannot be known
        lambda p: p.update(conditions={"resourceType": "OperationOutcome"}),
        lambda p: p.update(
            conditions=searchset(next_url="https://ehr.invalid/fhir/Condition?page=2")
        ),
    ],
    ids=["missing-key", "null-patient", "operation-outcome", "next-page"],
)
def test_unsatisfied_prefetch_without_fhir_server_is_412(env: Env, change: Any) -> None:
    prefetch = prefetch_for(CAUDA_EQUINA)
    change(prefetch)
    response = env.post(f"/cds-services/{PATIENT_VIEW}", hook_request(prefetch=prefetch))
    assert response.status_code == 412
    assert "no fhirServer" in response.text


def test_no_prefetch_and_no_fhir_server_is_412(env: Env) -> None:
    response = env.post(f"/cds-services/{PATIENT_VIEW}", hook_request())
    assert response.status_code == 412


def test_fhir_server_not_on_allowlist_is_412_and_not_called(env: Env) -> None:
    before = len(env.fake.requests)
    other = env.fhir_url.replace("127.0.0.1", "localhost")
    response = env.post(
        f"/cds-services/{PATIENT_VIEW}", hook_request(pid=env.fake.anna, fhir_server=other)
    )
    assert response.status_code == 412
    assert len(env.fake.requests) == before


def test_prefetch_of_another_patient_is_refused(env: Env) -> None:
    prefetch = prefetch_for(CAUDA_EQUINA, pid="someone-else")
    response = env.post(f"/cds-services/{PATIENT_VIEW}", hook_request(prefetch=prefetch))
    assert response.status_code == 400
    assert "context.patientId" in response.text


def test_wrong_hook_for_the_service_is_400(env: Env) -> None:
    response = env.post(
        f"/cds-services/{PATIENT_VIEW}", hook_request("order-sign", prefetch_for(ALL_NO))
    )
    assert response.status_code == 400 and "expected 'patient-view'" in response.text


def test_unknown_service_is_404(env: Env) -> None:
    assert env.post("/cds-services/nope", hook_request()).status_code == 404


# --- order-select / order-sign -------------------------------------------------------------------

MRI = service_request("mri-1", CPT, "72148")
CT_SNOMED = service_request("ct-1", SNOMED, "572091000119106")
MEDICATION = {
    "resourceType": "MedicationRequest",
    "id": "rx-1",
    "status": "draft",
    "intent": "order",
}


def test_imaging_without_red_flag_is_not_recommended_with_remove_suggestion(env: Env) -> None:
    body = hook_request(
        "order-sign", prefetch_for(ALL_NO), draft_orders=[MRI, CT_SNOMED, MEDICATION]
    )
    cards = env.cards(ORDER_SIGN, body)
    imaging = [c for c in cards if c["summary"].startswith("Imaging is not recommended")]
    assert len(imaging) == 1
    card = imaging[0]
    assert card["indicator"] == "warning"
    deletes = [a for s in card["suggestions"] for a in s["actions"]]
    assert [(a["type"], a["resourceId"]) for a in deletes] == [
        ("delete", "ServiceRequest/mri-1"),
        ("delete", "ServiceRequest/ct-1"),
    ]
    assert card["selectionBehavior"] == "any"
    assert all(r["display"] for r in card["overrideReasons"])
    assert "Chou R" in card["detail"] or "NICE" in card["detail"]


def test_imaging_with_a_red_flag_shows_the_flags_not_the_advice(env: Env) -> None:
    body = hook_request("order-sign", prefetch_for(CAUDA_EQUINA), draft_orders=[MRI])
    cards = env.cards(ORDER_SIGN, body)
    assert cards and cards[0]["indicator"] == "critical"
    assert "Imaging is not recommended" not in _texts(cards)


def test_imaging_with_incomplete_screen_asks_first(env: Env) -> None:
    answers = {k: v for k, v in ALL_NO.items() if k != "fever"}
    cards = env.cards(
        ORDER_SIGN, hook_request("order-sign", prefetch_for(answers), draft_orders=[MRI])
    )
    assert [c["summary"] for c in cards] == [
        "Answer these safety questions first before imaging: 1 core safety question not answered"
    ]


def test_order_select_looks_only_at_the_selection(env: Env) -> None:
    body = hook_request(
        "order-select",
        prefetch_for(ALL_NO),
        draft_orders=[MRI, MEDICATION],
        selections=["MedicationRequest/rx-1"],
    )
    assert env.cards(ORDER_SELECT, body) == []
    body["context"]["selections"] = ["ServiceRequest/mri-1"]
    cards = env.cards(ORDER_SELECT, body)
    assert any(c["summary"].startswith("Imaging is not recommended") for c in cards)


# --- security: the EHR's JWT ---------------------------------------------------------------------


def _status(env: Env, token: str, path: str = "/cds-services") -> httpx.Response:
    return env.get(path, token=token)


def test_valid_tokens_es384_rs384_and_an_allowlisted_jku(env: Env) -> None:
    aud = env.url + "/cds-services"
    assert _status(env, env.keys.token(aud)).status_code == 200
    assert _status(env, env.keys.token(aud, alg="RS384")).status_code == 200
    assert _status(env, env.keys.token([aud, "https://other.invalid"])).status_code == 200
    before = len(env.fake.requests)
    assert _status(env, env.keys.token(aud, jku=env.fhir_url + "/jwks.json")).status_code == 200
    assert ("/jwks.json", "", None) in env.fake.requests[before:]


@pytest.mark.parametrize(
    "make",
    [
        lambda k, aud, env: k.token(aud, exp_in=-120),  # expired (past the 30 s leeway)
        lambda k, aud, env: k.token(env.url + "/cds-services/" + PATIENT_VIEW),  # another endpoint
        lambda k, aud, env: k.token("https://cds.example.org/cds-services"),
        lambda k, aud, env: k.token(aud, iss="https://unknown.invalid/"),
        lambda k, aud, env: k.token(aud, alg="HS384", key=HMAC_SECRET, kid="ec"),
        lambda k, aud, env: k.token(aud, alg="ES256", key=P256),
        lambda k, aud, env: k.token(aud, alg="PS384", kid="rsa"),
        lambda k, aud, env: k.token(aud, kid="rsa"),  # an EC signature checked with the RSA key
        lambda k, aud, env: k.token(aud, kid="nope"),
        lambda k, aud, env: k.token(aud, typ="at+jwt"),
        lambda k, aud, env: k.token(aud, jku="https://evil.invalid/jwks.json"),
        lambda k, aud, env: k.token(aud, drop=("jti",)),
        lambda k, aud, env: k.token(aud, drop=("iat",)),
        lambda k, aud, env: k.token(aud, exp_in=86_400),  # longer than the replay cache holds
        lambda k, aud, env: Keys().token(aud),  # another key under the trusted kid
        lambda k, aud, env: jwt.encode(
            {"iss": ISSUER, "aud": aud, "exp": 9e9, "iat": 1, "jti": "x"},
            None,
            algorithm="none",
            headers={"kid": "ec"},
        ),
        lambda k, aud, env: k.token(aud)[:-4] + "AAAA",  # a tampered signature
        lambda k, aud, env: "not a jwt",
    ],
    ids=[
        "expired",
        "other-endpoint",
        "wrong-audience",
        "unknown-issuer",
        "hs384",
        "es256",
        "ps384",
        "wrong-key-type",
        "unknown-kid",
        "typ",
        "jku-not-allowed",
        "no-jti",
        "no-iat",
        "too-long",
        "other-key",
        "alg-none",
        "tampered",
        "garbage",
    ],
)
def test_every_bad_token_is_a_bare_401(env: Env, make: Any) -> None:
    aud = env.url + "/cds-services"
    response = _status(env, make(env.keys, aud, env))
    assert response.status_code == 401
    assert response.content == b""


def test_a_replayed_token_is_401(env: Env) -> None:
    token = env.keys.token(env.url + "/cds-services")
    assert _status(env, token).status_code == 200
    again = _status(env, token)
    assert again.status_code == 401 and again.content == b""


def test_no_authorization_is_401_on_every_cds_endpoint(env: Env) -> None:
    for method, path in (
        ("GET", "/cds-services"),
        ("POST", f"/cds-services/{PATIENT_VIEW}"),
        ("POST", f"/cds-services/{PATIENT_VIEW}/feedback"),
        ("GET", f"/cds-services/{PATIENT_VIEW}/feedback"),
    ):
        response = env.http.request(method, env.url + path, content=b"{}")
        assert response.status_code == 401, path
        assert response.content == b""


def test_cors_preflight_needs_no_token_and_responses_carry_cors(env: Env) -> None:
    preflight = env.http.options(
        env.url + f"/cds-services/{PATIENT_VIEW}",
        headers={
            "Origin": "https://ehr.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://ehr.example.org")
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    response = env.http.get(
        env.url + "/cds-services",
        headers={
            "Origin": "https://ehr.example.org",
            "Authorization": "Bearer " + env.token("/cds-services"),
        },
    )
    assert response.headers["access-control-allow-origin"] == "*"


# --- limits --------------------------------------------------------------------------------------


def test_oversized_body_is_413(env: Env) -> None:
    raw = b'{"hook": "patient-view", "pad": "' + b"x" * (1024 * 1024) + b'"}'
    response = env.post(f"/cds-services/{PATIENT_VIEW}", None, raw=raw)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b'{"hook": ', "not valid JSON"),
        (b'{"hook": "a", "hook": "b"}', "duplicate key"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"x": NaN}', "NaN is not allowed"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_json_is_400_in_one_line(env: Env, raw: bytes, said: str) -> None:
    response = env.post(f"/cds-services/{PATIENT_VIEW}", None, raw=raw)
    assert response.status_code == 400
    assert said in response.text
    assert response.text.count("\n") == 1 and response.text.endswith("\n")


# --- feedback ------------------------------------------------------------------------------------


def test_feedback_is_recorded_and_listed(env: Env) -> None:
    path = f"/cds-services/{ORDER_SIGN}/feedback"
    for name in (
        "feedback-accepted.json",
        "feedback-overridden.json",
        "feedback-overridden-with-reason.json",
    ):
        response = env.post(path, fixture(name))
        assert response.status_code == 200 and response.json() == {"recorded": 1}
    # feedback on a card this service issued records what the card was about
    cards = env.cards(
        ORDER_SIGN, hook_request("order-sign", prefetch_for(ALL_NO), draft_orders=[MRI])
    )
    imaging = next(c for c in cards if c["summary"].startswith("Imaging"))
    reason = imaging["overrideReasons"][1]
    item = {
        "card": imaging["uuid"],
        "outcome": "overridden",
        "overrideReason": {"reason": reason, "userComment": "Planned L5 root block"},
        "outcomeTimestamp": "2026-12-03T10:00:00Z",
    }
    assert env.post(path, {"feedback": [item]}).status_code == 200
    listed = env.get(path).json()["feedback"]
    assert [f["outcome"] for f in listed] == ["accepted", "overridden", "overridden", "overridden"]
    assert listed[0]["acceptedSuggestions"] == [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}]
    assert listed[2]["overrideReason"]["reason"]["code"] == "d7ecf885"
    assert listed[3]["cardKind"] == "imaging_not_recommended"
    assert listed[3]["overrideReason"] == {"reason": reason, "userComment": "Planned L5 root block"}
    assert env.get(f"/cds-services/{PATIENT_VIEW}/feedback").json() == {"feedback": []}
    with sqlite3.connect(env.db) as db:  # in the --db file
        assert db.execute("select count(*) from feedback").fetchone()[0] == 4


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"feedback": []}, "feedback: expected a list"),
        (
            {
                "feedback": [
                    {"card": "c", "outcome": "ignored", "outcomeTimestamp": "2020-01-01T00:00:00Z"}
                ]
            },
            "feedback[0].outcome",
        ),
        (
            {
                "feedback": [
                    {"card": "c", "outcome": "accepted", "outcomeTimestamp": "2020-01-01T00:00:00Z"}
                ]
            },
            "acceptedSuggestions: required",
        ),
        (
            {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]},
            "outcomeTimestamp",
        ),
    ],
)
def test_bad_feedback_is_400_naming_the_element(env: Env, body: Any, said: str) -> None:
    response = env.post(f"/cds-services/{PATIENT_VIEW}/feedback", body)
    assert response.status_code == 400
    assert said in response.text


def test_what_the_record_could_not_use_is_noted_on_the_first_card(env: Env) -> None:
    prefetch = prefetch_for(CAUDA_EQUINA)
    prefetch["conditions"] = searchset(
        {
            "resourceType": "Condition",
            "id": "c-1",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "provisional",
                    }
                ]
            },
            "code": {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "386661006", "display": "Fever"}
                ]
            },
            "subject": {"reference": f"Patient/{PATIENT_ID}"},
        }
    )
    cards = env.cards(PATIENT_VIEW, hook_request(prefetch=prefetch))
    assert "**Record notes**" in cards[0]["detail"]
    assert "confirm" in cards[0]["detail"]
    assert all("Record notes" not in c.get("detail", "") for c in cards[1:])
