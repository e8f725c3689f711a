"""``spinerules serve`` as an operator starts it, and the limits that keep it answering."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
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

from spinerules.serve.app import create_app
from spinerules.serve.config import ServeConfig
from spinerules.serve.discovery import PATIENT_VIEW
from spinerules.serve.run import INSECURE_WARNING


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

        def chunks():  # no Content-Length: counted while streaming
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
