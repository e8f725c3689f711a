"""``spinerules serve`` as an operator starts it, and the limits that keep it answering."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import markupsafe
import pytest
from tests.serve_helpers import (
    ALL_NO,
    ROOT,
    bound_socket,
    cli_server,
    hook_request,
    prefetch_for,
    running,
)

from spinerules.api import assess
from spinerules.fields import AXSPA_FEATURES
from spinerules.serve.app import create_app
from spinerules.serve.config import ServeConfig
from spinerules.serve.discovery import PATIENT_VIEW
from spinerules.serve.run import INSECURE_WARNING
from spinerules.serve.web import QUESTIONS, parse_form


def _spinerules(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spinerules", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_insecure_dev_warns_and_needs_no_token() -> None:
    with cli_server("--insecure-dev") as (url, proc):
        assert httpx.get(url + "/cds-services").status_code == 200
        response = httpx.post(
            f"{url}/cds-services/{PATIENT_VIEW}", json=hook_request(prefetch=prefetch_for(ALL_NO))
        )
        assert response.status_code == 200
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert INSECURE_WARNING in err


def test_without_trusted_issuers_every_call_is_401_and_it_says_so() -> None:
    with cli_server() as (url, proc):
        assert httpx.get(url + "/cds-services").status_code == 401
        assert httpx.get(url + "/").status_code == 200  # the person's form needs no EHR token
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert "no trusted issuers" in err


def test_a_port_in_use_is_one_line_and_status_2() -> None:
    sock = bound_socket()
    try:
        done = _spinerules("serve", "--port", str(sock.getsockname()[1]))
    finally:
        sock.close()
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("spinerules: error: --host/--port: cannot listen on 127.0.0.1:")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--port", "70000"], "--port: 70000 is not allowed; expected 0..65535"),
        (["--trust", "/nonexistent/trust.json"], "cannot read"),
    ],
)
def test_bad_options_are_one_line(args: list[str], said: str) -> None:
    done = _spinerules("serve", *args)
    assert done.returncode == 2 and said in done.stderr and done.stderr.count("\n") == 1


def test_a_bad_trust_file_names_the_key(tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(
        json.dumps({"issuers": [{"iss": "https://ehr.invalid/", "jwks": {"nokeys": 1}}]})
    )
    done = _spinerules("serve", "--trust", str(trust))
    assert done.returncode == 2
    assert "issuers[0].jwks: expected a JWK Set" in done.stderr


def test_an_evaluation_over_its_time_limit_is_503() -> None:
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = ServeConfig(public_url=url, insecure_dev=True, eval_timeout_s=1e-9)
    with running(create_app(config), sock):
        response = httpx.post(
            f"{url}/cds-services/{PATIENT_VIEW}", json=hook_request(prefetch=prefetch_for(ALL_NO))
        )
        assert response.status_code == 503
        assert response.text == "evaluation took longer than 1e-09 s\n"
        form = httpx.post(url + "/assess", content=b"age=40&pain_duration_days=3")
        assert form.status_code == 503


def test_the_body_limit_is_configurable_and_applies_to_the_form() -> None:
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with running(
        create_app(ServeConfig(public_url=url, insecure_dev=True, max_body_bytes=1024)), sock
    ):
        big = json.dumps(hook_request(prefetch=prefetch_for(ALL_NO))).encode()
        assert len(big) > 1024
        assert httpx.post(f"{url}/cds-services/{PATIENT_VIEW}", content=big).status_code == 413
        assert httpx.post(url + "/assess", content=b"age=" + b"1" * 4000).status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while streaming
            for _ in range(10):
                yield b" " * 1000

        assert httpx.post(f"{url}/cds-services/{PATIENT_VIEW}", content=chunks()).status_code == 413


def test_the_form_refuses_what_it_did_not_ask() -> None:
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with running(create_app(ServeConfig(public_url=url)), sock):
        unknown = httpx.post(
            url + "/assess", content=b"age=40&pain_duration_days=3&saddle_anesthesia=no"
        )
        assert unknown.status_code == 422
        assert "&#39;saddle_anesthesia&#39; is not a question of this form" in unknown.text
        twice = httpx.post(
            url + "/assess", content=b"age=40&pain_duration_days=3&fever=yes&fever=no"
        )
        assert twice.status_code == 422 and "answered twice" in twice.text
        clinician = httpx.post(
            url + "/assess", content=b"age=40&pain_duration_days=3&hla_b27=positive"
        )
        assert clinician.status_code == 422  # a clinician's finding is not asked of the person
        page = httpx.get(url + "/")
        assert "script-src" not in page.headers["content-security-policy"]
        assert page.headers["content-security-policy"].startswith("default-src 'none'")


def _core_all_no() -> list[tuple[str, str]]:
    """Every core safety question answered "no" (or "none"), so the screen is complete."""
    return [(q.name, "none" if q.kind == "enum" else "no") for q in QUESTIONS if q.core]


def _post(url: str, pairs: list[tuple[str, str]]) -> httpx.Response:
    return httpx.post(url + "/assess", content=urlencode(pairs).encode(), timeout=30)


@pytest.fixture(scope="module")
def web_url() -> Iterator[str]:
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with running(create_app(ServeConfig(public_url=url)), sock):
        yield url


HIGH_STARTBACK = [
    *((f"startback.item{n}", "no") for n in range(1, 5)),
    *((f"startback.item{n}", "yes") for n in range(5, 9)),
    ("startback.item9", "very_much"),
]


def test_the_form_round_trip_scores_startback_and_counts_the_features(web_url: str) -> None:
    base = [*_core_all_no(), ("age", "40"), ("pain_duration_days", "20")]
    # STarT Back: the psychosocial items 5-9 all score, so the risk is high (Hill 2008)
    parsed = parse_form(urlencode(base + HIGH_STARTBACK).encode())
    assert parsed.errors == {}
    assert parsed.values["startback"] == {
        **{f"item{n}": n >= 5 for n in range(1, 9)},
        "item9": "very_much",
    }
    scored = assess(parsed.values)
    assert scored.startback is not None and scored.startback.risk == "high"
    page = _post(web_url, base + HIGH_STARTBACK)
    assert page.status_code == 200
    assert (
        scored.startback.matched_care
        and markupsafe.escape(scored.startback.matched_care) in page.text
    )
    without = _post(web_url, base)
    assert "High risk" not in without.text  # the page above showed it because of the answers
    # four NG65 features in long-standing back pain that began before 45: a rheumatology referral
    features = ["buttock_pain", "improves_with_movement", "wakes_second_half_of_night"]
    axspa = [
        *_core_all_no(),
        ("age", "30"),
        ("first_back_pain_age", "25"),  # derives onset_before_35: the fourth feature
        ("pain_duration_days", "200"),
        *(("axspa_features", f) for f in features),
    ]
    parsed = parse_form(urlencode(axspa).encode())
    assert parsed.errors == {} and parsed.values["axspa_features"] == sorted(
        features, key=AXSPA_FEATURES.index
    )
    assert "axspa_refer" in [f.id for f in assess(parsed.values).red_flags]
    assert "rheumatologist" in _post(web_url, axspa).text
    assert "rheumatologist" not in _post(web_url, axspa[:-3]).text


def test_not_sure_leaves_the_field_unknown_and_none_of_these_is_explicit() -> None:
    def values(*pairs: tuple[str, str]) -> dict[str, Any]:
        parsed = parse_form(
            urlencode([("age", "40"), ("pain_duration_days", "3"), *pairs]).encode()
        )
        assert parsed.errors == {}
        return parsed.values

    unsure = values(
        ("axspa_features", "unsure"), ("startback.item1", "unsure"), ("startback.item9", "unsure")
    )
    assert "axspa_features" not in unsure and "startback" not in unsure
    assert "axspa_features" not in values()  # nothing ticked is not "none of these"
    assert values(("axspa_features", "none"))["axspa_features"] == []
    partial = values(("startback.item2", "yes"))
    assert partial["startback"] == {"item2": True}
    a = assess(partial)
    assert a.startback is None and "item1" in " ".join(a.startback_missing)
    # a feature ticked with "not sure" about the rest is still a feature they said fits
    assert values(("axspa_features", "buttock_pain"), ("axspa_features", "unsure"))[
        "axspa_features"
    ] == ["buttock_pain"]
    liked = values(("preferred_activities", "walking"), ("preferred_activities", "yoga"))
    assert liked["preferred_activities"] == ["walking", "yoga"]
    assert "avoid_activities" not in liked


@pytest.mark.parametrize(
    ("pairs", "field", "said"),
    [
        (
            [("axspa_features", "none"), ("axspa_features", "buttock_pain")],
            "axspa_features",
            '"None of these" is ticked together with another answer',
        ),
        (
            [("axspa_features", "none"), ("axspa_features", "unsure")],
            "axspa_features",
            '"None of these" is ticked together with another answer',
        ),
        ([("axspa_features", "limping")], "axspa_features", "'limping' is not one of the answers"),
        (
            [("preferred_activities", "stay_active")],
            "preferred_activities",
            "'stay_active' is not one of the answers",
        ),  # advice is not an exercise (C5)
        (
            [("preferred_activities", "yoga"), ("avoid_activities", "yoga")],
            "avoid_activities",
            "'Yoga' is also ticked as one you would like to do",
        ),
        ([("startback.item9", "a_lot")], "startback.item9", "'a_lot' is not one of the answers"),
        (
            [("startback.item1", "yes"), ("startback.item1", "no")],
            "startback.item1",
            "answered twice",
        ),
    ],
)
def test_bad_checkbox_and_startback_answers_are_refused(
    web_url: str, pairs: list[tuple[str, str]], field: str, said: str
) -> None:
    parsed = parse_form(urlencode([("age", "40"), ("pain_duration_days", "3"), *pairs]).encode())
    assert parsed.errors[field] == said
    page = _post(web_url, [("age", "40"), ("pain_duration_days", "3"), *pairs])
    assert page.status_code == 422 and markupsafe.escape(said) in page.text


def test_a_cross_field_problem_is_the_form_again_with_patient_states_message(
    web_url: str,
) -> None:
    page = _post(
        web_url,
        [
            ("age", "50"),
            ("pain_duration_days", "3"),
            ("first_back_pain_age", "40"),
            ("axspa_features", "onset_before_35"),
        ],
    )
    assert page.status_code == 422 and "onset_before_35" in page.text
    assert 'id="form-error"' in page.text


def test_save_my_answers_downloads_only_what_was_answered(web_url: str) -> None:
    pairs = [
        ("age", "40"),
        ("pain_duration_days", "3"),
        ("fever", "no"),
        ("leg_pain", "unsure"),
        ("axspa_features", "none"),
        ("startback.item3", "yes"),
        ("preferred_activities", "tai_chi"),
        ("save", "1"),
    ]
    saved = _post(web_url, pairs)
    assert saved.status_code == 200
    assert saved.headers["content-type"].startswith("application/json")
    assert saved.headers["content-disposition"] == 'attachment; filename="back-pain-answers.json"'
    assert saved.headers["cache-control"] == "no-store"
    assert json.loads(saved.text) == {
        "age": 40,
        "pain_duration_days": 3,
        "fever": False,
        "axspa_features": [],
        "startback": {"item3": True},
        "preferred_activities": ["tai_chi"],
    }
    # the file is a patient state spinerules reads as it is
    assert assess(json.loads(saved.text)).startback_missing
    bad = _post(web_url, [("age", "abc"), ("pain_duration_days", "3"), ("save", "1")])
    assert bad.status_code == 422 and "is not a whole number" in bad.text
