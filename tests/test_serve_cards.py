"""Cards from generated assessments: the safety principles hold for every one (hypothesis).

Principle 5: every red flag is a card of its own. Principle 3: an incomplete screen is a card
asking the unanswered core questions and never comes with a reassuring card. Principle 9:
nothing reassuring beside an urgent or emergency flag. CDS Hooks: every summary is under 140
characters and every response fits the schema written from the spec.
"""

from __future__ import annotations

from typing import Any

import attrs
import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.serve_helpers import service_request
from tests.strategies_clinical import sparse_patient_dicts

import spinerules
from spinerules.fhir.codes import verhoeff_ok
from spinerules.levels import Urgency
from spinerules.principles import CORE_SAFETY_QUESTIONS
from spinerules.serve.cards import SUMMARY_LIMIT, cards_for, md, summary
from spinerules.serve.imaging import LUMBAR_IMAGING, SNOMED, ImagingOrder, imaging_orders
from spinerules.serve.schema import RESPONSE_SCHEMA

RESPONSE = jsonschema.Draft202012Validator(RESPONSE_SCHEMA)
ORDERS = st.sampled_from([None, [], [ImagingOrder("ServiceRequest/mri-1", "MRI lumbar spine")]])
LINK = [{"label": "handout", "url": "http://127.0.0.1:1/handout/x", "type": "absolute"}]


def _all_text(cards: list[dict[str, Any]]) -> str:
    return "\n".join(c["summary"] + "\n" + c.get("detail", "") for c in cards)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_patient_dicts(), ORDERS)
def test_cards_keep_the_safety_principles(data: dict[str, Any], orders: Any) -> None:
    a = spinerules.assess(data, engine="python")
    made = cards_for(a, links=LINK, imaging=orders)
    cards = [c.body for c in made]
    kinds = [c.kind for c in made]
    RESPONSE.validate({"cards": cards})
    # principle 5: one card per red flag, naming its rule, with its tier
    red = [k for k in kinds if k.startswith("red_flag:")]
    assert sorted(red) == sorted(f"red_flag:{f.id}" for f in a.red_flags)
    assert len(set(red)) == len(red)
    indicators = [cards[kinds.index(k)]["indicator"] for k in red]
    assert indicators == sorted(indicators, key=lambda i: i != "critical")  # critical first
    for flag in a.red_flags:
        card = cards[kinds.index(f"red_flag:{flag.id}")]
        assert f"Rule `{flag.id}`" in card["detail"]
        assert md(flag.action) in card["detail"]
        assert card["indicator"] == ("critical" if flag.urgency >= Urgency.URGENT else "warning")
    assert all(len(c["summary"]) < 140 for c in cards)
    reassuring = {"self_care", "imaging_not_recommended"}
    if not a.screen_complete:
        # principle 3: the questions, and nothing reassuring
        assert "safety_questions" in kinds
        assert not reassuring & set(kinds)
        assert "info" not in [c["indicator"] for c in cards]
        detail = cards[kinds.index("safety_questions")]["detail"]
        for q in CORE_SAFETY_QUESTIONS:
            if q in a.unanswered:
                assert md(spinerules.fields.FIELDS[q].question) in detail
    if a.urgency >= Urgency.URGENT:
        # principle 9
        assert not reassuring & set(kinds)
        assert "Self-care" not in _all_text(cards)
        assert "info" not in [c["indicator"] for c in cards]
    if "self_care" in kinds or "imaging_not_recommended" in kinds:
        assert a.screen_complete and not a.red_flags
    if orders and a.screen_complete and not a.red_flags:
        assert "imaging_not_recommended" in kinds
    if not cards:
        raise AssertionError("an assessment always gives at least one card")


def test_hostile_rule_text_is_inert_markdown() -> None:
    a = spinerules.assess({"age": 40, "pain_duration_days": 3, "saddle_anaesthesia": True})
    flag = attrs.evolve(
        a.red_flags[0],
        title="<img src=x onerror=alert(1)> [click](javascript:alert(1)) **bold**",
        action="<script>alert(1)</script>\n# heading",
    )
    hostile = attrs.evolve(a, red_flags=(flag,))
    card = cards_for(hostile)[0].body
    assert "<img" not in card["detail"] and "<script" not in card["detail"]
    assert "&lt;script&gt;" in card["detail"]
    assert "[click]" not in card["detail"] and "\\[click\\]" in card["detail"]
    assert "\n# heading" not in card["detail"]
    assert len(card["summary"]) < 140


def test_summary_is_cut_at_a_word_under_140() -> None:
    text = "Emergency: " + "word " * 60
    cut = summary(text)
    assert len(cut) <= SUMMARY_LIMIT and cut.endswith("…") and cut.startswith("Emergency: word")
    assert summary("short  text\nhere") == "short text here"


def test_imaging_codes_are_well_formed_and_matched() -> None:
    for system, code in LUMBAR_IMAGING:
        if system == SNOMED:
            assert verhoeff_ok(code), code
        else:
            assert code.isdigit() and len(code) == 5
    context = {
        "patientId": "p",
        "draftOrders": {
            "resourceType": "Bundle",
            "entry": [
                {"resource": service_request("a", "http://www.ama-assn.org/go/cpt", "72158")},
                {"resource": service_request("b", "http://www.ama-assn.org/go/cpt", "72100")},
                {"resource": service_request("c", SNOMED, "41333006")},
                {"resource": {"resourceType": "MedicationRequest", "id": "m"}},
                {"resource": service_request("d", "http://loinc.org", "72148")},
            ],
        },
    }
    found = imaging_orders("order-sign", context)
    assert [o.reference for o in found] == ["ServiceRequest/a", "ServiceRequest/c"]
    context["selections"] = ["ServiceRequest/c"]
    assert [o.reference for o in imaging_orders("order-select", context)] == ["ServiceRequest/c"]
