"""Revision 3 of the clinical specification, tested from its text (clinical.md rev. 3, 2026-12).

These tests are written from ``/work/shared/spec/clinical.md`` revision 3 (sections 1-4, 6, 7,
10 and the change list of section 11), not from the code: every expected value is quoted or
derived from the specification, and the spec's own lists (limits-plan flags, AAA risk factors,
clinician findings, safety-net card order) are written out here rather than imported from src.

* ``test_r3_1_...`` to ``test_r3_18_...``: one or more vignettes per change of section 11, each
  with its nearest negative (one answer changed), on complete screens unless the vignette is
  about an incomplete one.
* Properties (hypothesis, python engine): C7 (a listed *(limits plan)* flag and anything beyond
  ``stay_active``/``walking`` never coexist), ``questions`` mirrors ``unanswered`` and never names
  an answered field, principle 4 over the new booleans, clearance never lowers urgent/emergency
  nor changes principle 3, principle 9 over rendered text/markdown/html, safety-net cards.
* ``clinician_cleared_flags`` input errors (section 3: "an input error, with a did-you-mean").
* An engine differential (``durable``) over the vignettes and generated patients.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import Assessment, Grade, InvalidPatientState, Urgency
from spinerules.fields import FIELDS
from strategies_clinical import (
    CORE_SAFETY_QUESTIONS,
    REVISION3_BOOLS,
    SPEC_RED_FLAG_IDS,
    fast_patient_dicts,
    sparse_patient_dicts,
)
from vignettes import complete_screen

v = complete_screen
PYTHON = "python"
FORMATS = ("text", "markdown", "html")

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=_HEALTH)


# --- the specification's lists, written out --------------------------------------------------

#: Section 4 / principle 2: the serious-cause ``soon`` flags marked *(limits plan)*.
LIMITS_PLAN = frozenset(
    {"cancer_history", "malignancy_weight_loss_age", "infection_risk_factor", "fracture_fragility"}
)
#: Principle 2 / C7: the only activities a limited plan may offer.
LIMITED_PLAN = frozenset({"stay_active", "walking"})
#: NG156 1.1.2 AAA risk factors (section 4, vascular).
AAA_RISK_FACTORS = (
    "smokes_or_smoked",
    "cardiovascular_disease",
    "hypertension",
    "high_cholesterol",
    "copd",
    "family_history_aaa",
)
NO_AAA_RISK = {rf: False for rf in AAA_RISK_FACTORS}
#: Principle 10 / C11: findings only a clinician can give.
CLINICIAN_FINDINGS = frozenset({"pulsatile_abdominal_mass", "hla_b27"})
#: Safety-net card ids in their order of seriousness (C18, and the API contract).
CARD_ORDER = (
    "cauda_equina_signs",
    "cord_compression_signs",
    "cancer_signs",
    "sepsis_signs",
    "infection_signs",
    "fracture_signs",
    "maternity_signs",
    "not_improving",
    "emergency_help",
)
#: Section 6 "Kinds".
ADVICE_KINDS = {
    "stay_active": "advice",
    "reassurance": "advice",
    "break_up_sitting": "advice",
    "pain_relief": "advice",
    "flare_up_plan": "advice",
    "return_to_work": "advice",
    "superficial_heat": "comfort",
}
#: Watch-item ids that are not red flags (C12): clearing them is an input error.
WATCH_ONLY_IDS = ("sciatica_watch", "malignancy_weak_flag_watch", "axspa_watch")
#: Principle 10: ids that must never reach a person as text (timeframes, grades, tiers).
SPEC_IDS_NEVER_SHOWN = (
    "within_2_weeks",
    "within_1_week",
    "within_24h",
    "very_low",
    "expert_opinion",
    "self_care",
)

STARTBACK_HIGH = {
    **{f"item{n}": False for n in range(1, 5)},
    **{f"item{n}": True for n in range(5, 9)},
    "item9": "extremely",
}  # total 5, subscale 5 -> high
STARTBACK_MEDIUM = {
    **{f"item{n}": True for n in range(1, 5)},
    **{f"item{n}": False for n in range(5, 9)},
    "item9": "not_at_all",
}  # total 4, subscale 0 -> medium
STARTBACK_LOW = {**{f"item{n}": False for n in range(1, 9)}, "item9": "not_at_all"}

REVIEWED = {"clinician_reviewed_this_episode": True}


# --- helpers ---------------------------------------------------------------------------------


def _assess(state: dict[str, Any], engine: str = PYTHON, **kwargs: Any) -> Assessment:
    return spinerules.assess(state, engine=engine, **kwargs)


def _flags(a: Assessment) -> list[str]:
    return [f.id for f in a.red_flags]


def _watch(a: Assessment) -> list[str]:
    return [w.id for w in a.watch]


def _recs(a: Assessment) -> list[str]:
    return [r.id for r in a.recommendations]


def _cards(a: Assessment) -> list[str]:
    return [c.id for c in a.safety_net]


def _finding(a: Assessment, rule: str) -> spinerules.RedFlagFinding:
    found = [f for f in a.red_flags if f.id == rule]
    assert found, f"{rule} did not fire; red flags: {_flags(a)}, watch: {_watch(a)}"
    return found[0]


def _watch_item(a: Assessment, rule: str) -> spinerules.WatchFinding:
    found = [w for w in a.watch if w.id == rule]
    assert found, f"{rule} is not a watch item; red flags: {_flags(a)}, watch: {_watch(a)}"
    return found[0]


def _evidence_ids(item: Any) -> set[str]:
    return {e.id for e in item.evidence}


_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "table",
        "tr",
        "td",
        "th",
        "dt",
        "dd",
        "dl",
        "hr",
        "main",
        "aside",
        "nav",
        "details",
        "summary",
        "blockquote",
        "title",
        "body",
        "head",
    }
)


class _TextOf(HTMLParser):
    """The text a person reads in an HTML page: no style/script, block tags as breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.skip += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.chunks.append(data)


def _norm(text: str) -> str:
    """Whitespace collapsed, and a hyphen a line-wrap split rejoined ("non-\\nmelanoma")."""
    text = " ".join(text.split())
    return re.sub(r"-\s", "-", text)


def _raw(a: Assessment, fmt: str) -> str:
    """What the person reads: HTML tags stripped and entities undone; whitespace collapsed."""
    out = spinerules.render(a, fmt)
    if fmt == "html":
        parser = _TextOf()
        parser.feed(out)
        parser.close()
        out = html.unescape("".join(parser.chunks))
    return _norm(out)


def _words(a: Assessment, fmt: str) -> str:
    """``_raw``, with Markdown's escapes and emphasis markers removed too, for phrase checks."""
    out = _raw(a, fmt)
    if fmt == "markdown":
        out = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|>~<])", r"\1", out)
        out = out.replace("*", "").replace("`", "")
    return _norm(out)


def _has(haystack: str, needle: str) -> bool:
    return _norm(needle).lower() in haystack.lower()


#: C17 conditional text: "go the same day if you develop (or get) a fever or shaking chills".
IF_FEVER = re.compile(r"\bif you\b[^.;]{0,30}\bfever")
MOST_SETTLES = re.compile(r"\bmost\b[^.;:!?]{0,80}\bsettles?\b", re.IGNORECASE)


def _assert_nothing_reassuring(a: Assessment) -> None:
    """Principle 9 / C16 on every person-facing format of an urgent or emergency assessment."""
    assert a.urgency >= Urgency.URGENT
    legit = {_norm(f.action).lower() for f in a.red_flags} | {
        _norm(item).lower() for card in a.safety_net for item in card.items
    }
    for fmt in FORMATS:
        shown = _words(a, fmt)
        low = shown.lower()
        for item in a.watch:
            advice = _norm(item.advice).lower()
            if advice and advice not in legit and not any(advice in x for x in legit):
                assert advice not in low, f"{fmt}: watch advice of {item.id} rendered: {advice!r}"
        assert not MOST_SETTLES.search(shown), f"{fmt}: 'most ... settles' at {a.urgency.value}"
        assert "most back pain" not in low, f"{fmt}: 'most back pain' at {a.urgency.value}"
        assert "reassurance" not in low, f"{fmt}: 'Reassurance' at {a.urgency.value}"
        assert "hurt does not mean harm" not in low, fmt
        assert "refer yourself" not in low, f"{fmt}: matched-care route at {a.urgency.value}"
        if a.startback is not None and a.startback.matched_care:
            assert _norm(a.startback.matched_care).lower() not in low, f"{fmt}: matched care"
        if a.urgency == Urgency.EMERGENCY:
            assert "keep moving" not in low, f"{fmt}: 'keep moving' at emergency"


def _keeps_moving(a: Assessment) -> bool:
    return any("keep moving" in f.action.lower() for f in a.red_flags)


def _assert_urgent_fallback(a: Assessment) -> None:
    """Section 4 "Every urgent action": the first (highest-tier) flag's action ends with what to
    do if the person cannot be seen today, and if they get worse."""
    assert a.urgency == Urgency.URGENT
    first = a.red_flags[0]
    assert first.urgency == Urgency.URGENT
    assert "NHS 111" in first.action, first.action
    assert "emergency department" in first.action.lower(), first.action


# ==============================================================================================
# Section 11 vignettes
# ==============================================================================================

# --- R3-1: collapse_with_back_pain (emergency, any age) ----------------------------------------

COLLAPSE_45 = v(
    age=45,
    sex="female",
    pain_duration_days=1,
    collapse_or_fainting=True,
    abdominal_pain=True,
    sudden_severe_onset=False,
    **NO_AAA_RISK,
)


def test_r3_1_collapse_at_45_with_back_and_tummy_pain_is_an_emergency() -> None:
    a = _assess(COLLAPSE_45)
    assert a.screen_complete is True
    assert a.urgency == Urgency.EMERGENCY
    flag = _finding(a, "collapse_with_back_pain")
    assert flag.family == "vascular"
    assert flag.urgency == Urgency.EMERGENCY
    assert flag.timeframe.value == "now"
    # "call emergency services now"; below aaa_age "a serious problem in the tummy, chest or
    # pelvis", not the aorta.
    assert "emergency services" in flag.action.lower()
    assert "tummy" in flag.action.lower()
    assert "aort" not in flag.action.lower()
    assert "aaa_rupture_suspected" not in _flags(a)  # age < aaa_age
    # Revision 2 gave heat and reassurance: C6 says no recommendations at all at emergency.
    assert a.recommendations == ()
    assert "superficial_heat" not in _recs(a) and "reassurance" not in _recs(a)
    assert _cards(a) == ["emergency_help"]
    _assert_nothing_reassuring(a)
    for fmt in FORMATS:
        assert not re.search(r"\bheat\b", _words(a, fmt), re.IGNORECASE), fmt


def test_r3_1_collapse_fires_at_any_age_and_names_the_aorta_from_aaa_age() -> None:
    young = _assess(v(age=16, collapse_or_fainting=True))
    assert _finding(young, "collapse_with_back_pain").urgency == Urgency.EMERGENCY
    older = _assess(v(age=55, collapse_or_fainting=True, **NO_AAA_RISK))
    assert older.urgency == Urgency.EMERGENCY
    assert "aort" in _finding(older, "collapse_with_back_pain").action.lower()
    assert "aaa_rupture_suspected" in _flags(older)  # age >= 50 and collapse_or_fainting


def test_r3_1_nearest_negative_no_collapse() -> None:
    a = _assess({**COLLAPSE_45, "collapse_or_fainting": False})
    assert "collapse_with_back_pain" not in _flags(a)
    # Tummy pain at 45 without sudden severe onset raises nothing (visceral_abdominal_pain needs
    # age >= 50 or sudden severe onset).
    assert "visceral_abdominal_pain" not in _flags(a)
    assert a.urgency == Urgency.SELF_CARE
    assert "collapse_with_back_pain" not in _flags(
        _assess({**COLLAPSE_45, "collapse_or_fainting": None})
    )


# --- R3-2: aaa_rupture_suspected without abdominal pain -----------------------------------------

MAN_68_SUDDEN = v(
    age=68,
    sex="male",
    pain_duration_days=0,
    sudden_severe_onset=True,
    abdominal_pain=False,
    collapse_or_fainting=False,
    **NO_AAA_RISK,
)


def test_r3_2_68_year_old_man_with_sudden_severe_back_pain_is_an_emergency() -> None:
    a = _assess(MAN_68_SUDDEN)
    assert a.urgency == Urgency.EMERGENCY
    flag = _finding(a, "aaa_rupture_suspected")
    assert flag.family == "vascular" and flag.urgency == Urgency.EMERGENCY
    assert "nice_ng156" in _evidence_ids(flag)
    # Not framed as a cancer check: the first thing the person reads is the vascular emergency.
    assert a.red_flags[0].urgency == Urgency.EMERGENCY
    assert a.red_flags[0].family == "vascular"
    assert a.recommendations == ()
    _assert_nothing_reassuring(a)


@pytest.mark.parametrize("risk_factor", AAA_RISK_FACTORS)
def test_r3_2_sudden_severe_onset_with_an_aaa_risk_factor(risk_factor: str) -> None:
    state = v(age=55, sex="female", sudden_severe_onset=True, abdominal_pain=False, **NO_AAA_RISK)
    a = _assess({**state, risk_factor: True})
    assert _finding(a, "aaa_rupture_suspected").urgency == Urgency.EMERGENCY
    b = _assess(state)  # the nearest negative: no risk factor, no tummy pain, a woman
    assert "aaa_rupture_suspected" not in _flags(b)
    assert b.urgency == Urgency.URGENT  # sudden_severe_pain_older instead
    c = _assess({**state, risk_factor: True, "age": 49})  # below aaa_age
    assert "aaa_rupture_suspected" not in _flags(c)


@pytest.mark.parametrize(
    ("answers", "fires"),
    [
        ({"sex": "male", "age": 65}, True),
        ({"sex": "male", "age": 64}, False),
        ({"sex": "female", "age": 68}, False),
        ({"sex": "other", "age": 68}, False),  # C14: other never satisfies sex == male
        ({"sex": "unknown", "age": 68}, False),
        ({"sex": None, "age": 68}, False),
        ({"sex": "female", "age": 55, "abdominal_pain": True}, True),
        ({"sex": "female", "age": 50, "abdominal_pain": True}, True),
        ({"sex": "female", "age": 49, "abdominal_pain": True}, False),
        ({"sex": "male", "age": 68, "sudden_severe_onset": False}, False),
        ({"sex": "male", "age": 68, "sudden_severe_onset": None}, False),
        # collapse alone from aaa_age, with no sudden onset
        (
            {
                "sex": "female",
                "age": 50,
                "sudden_severe_onset": False,
                "collapse_or_fainting": True,
            },
            True,
        ),
        (
            {
                "sex": "female",
                "age": 49,
                "sudden_severe_onset": False,
                "collapse_or_fainting": True,
            },
            False,
        ),
    ],
)
def test_r3_2_aaa_rupture_suspected_condition(answers: dict[str, Any], fires: bool) -> None:
    a = _assess({**MAN_68_SUDDEN, **answers})
    assert ("aaa_rupture_suspected" in _flags(a)) is fires, (answers, _flags(a))
    if fires:
        assert a.urgency == Urgency.EMERGENCY


def test_r3_2_six_aaa_risk_factor_fields_exist() -> None:
    """Section 2 documents the six NG156 risk factors as tri-state booleans."""
    for name in AAA_RISK_FACTORS:
        assert name in FIELDS and FIELDS[name].kind == "bool", name
        assert FIELDS[name].asked_of == "person", name


# --- R3-3: sudden_severe_pain_older (urgent) ----------------------------------------------------

WOMAN_55_SUDDEN = v(
    age=55,
    sex="female",
    pain_duration_days=1,
    sudden_severe_onset=True,
    abdominal_pain=False,
    thoracic_pain=False,
    collapse_or_fainting=False,
    can_walk_minutes=30,
    **NO_AAA_RISK,
)


def test_r3_3_sudden_severe_pain_at_50_or_over_has_a_same_day_route() -> None:
    a = _assess(WOMAN_55_SUDDEN)
    assert a.urgency == Urgency.URGENT
    flag = _finding(a, "sudden_severe_pain_older")
    assert flag.family == "vascular"
    assert flag.urgency == Urgency.URGENT
    assert flag.timeframe.value == "within_24h"
    assert "aort" in flag.action.lower()  # "to rule out the aorta"
    assert "aaa_rupture_suspected" not in _flags(a)
    assert a.recommendations == ()  # C6
    _assert_urgent_fallback(a)
    # Section 4: no fracture flag, can_walk_minutes 30 -> "keep moving gently" may be added.
    assert "keep moving gently as comfort allows" in a.red_flags[0].action.lower()
    _assert_nothing_reassuring(a)
    boundary = _assess({**WOMAN_55_SUDDEN, "age": 50})
    assert "sudden_severe_pain_older" in _flags(boundary)


def test_r3_3_nearest_negative_sudden_severe_onset_at_49() -> None:
    a = _assess({**WOMAN_55_SUDDEN, "age": 49})
    assert "sudden_severe_pain_older" not in _flags(a)
    assert "aaa_rupture_suspected" not in _flags(a)
    assert a.urgency == Urgency.SELF_CARE
    b = _assess({**WOMAN_55_SUDDEN, "sudden_severe_onset": False})
    assert "sudden_severe_pain_older" not in _flags(b)


# --- R3-4: aaa_known_symptomatic at any duration -----------------------------------------------

KNOWN_ANEURYSM = v(
    age=72,
    sex="male",
    pain_duration_days=21,
    known_aortic_aneurysm=True,
    abdominal_pain=False,
    sudden_severe_onset=False,
    collapse_or_fainting=False,
    can_walk_minutes=30,
    **NO_AAA_RISK,
)


@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        ({}, Urgency.URGENT),  # 21 days: revision 2 said self_care
        ({"pain_duration_days": 15}, Urgency.URGENT),
        ({"pain_duration_days": 400}, Urgency.URGENT),  # "whatever the duration"
        ({"pain_duration_days": 14}, Urgency.EMERGENCY),
        ({"pain_duration_days": 0}, Urgency.EMERGENCY),
        ({"abdominal_pain": True}, Urgency.EMERGENCY),
        ({"sudden_severe_onset": True}, Urgency.EMERGENCY),
        ({"collapse_or_fainting": True}, Urgency.EMERGENCY),
    ],
)
def test_r3_4_known_aneurysm_with_back_pain(answers: dict[str, Any], tier: Urgency) -> None:
    a = _assess({**KNOWN_ANEURYSM, **answers})
    flag = _finding(a, "aaa_known_symptomatic")
    assert flag.family == "vascular"
    assert flag.urgency == tier
    assert a.urgency >= tier
    assert a.recommendations == ()
    if tier == Urgency.URGENT:
        assert flag.timeframe.value == "within_24h"
        assert "vascular team" in flag.action.lower()  # "contact your vascular team or GP today"
        assert a.urgency == Urgency.URGENT
        _assert_urgent_fallback(a)
    else:
        assert flag.timeframe.value == "now"
    _assert_nothing_reassuring(a)


def test_r3_4_nearest_negative_no_known_aneurysm() -> None:
    a = _assess({**KNOWN_ANEURYSM, "known_aortic_aneurysm": False})
    assert "aaa_known_symptomatic" not in _flags(a)
    assert a.urgency == Urgency.SELF_CARE
    b = _assess({**KNOWN_ANEURYSM, "known_aortic_aneurysm": None})
    assert "aaa_known_symptomatic" not in _flags(b)


# --- R3-5: visceral_abdominal_pain under 50 when sudden and severe ------------------------------


@pytest.mark.parametrize(
    ("answers", "fires"),
    [
        ({"age": 40, "abdominal_pain": True, "sudden_severe_onset": True}, True),
        ({"age": 40, "abdominal_pain": True, "sudden_severe_onset": False}, False),
        ({"age": 40, "abdominal_pain": True, "sudden_severe_onset": None}, False),
        ({"age": 40, "abdominal_pain": False, "sudden_severe_onset": True}, False),
        ({"age": 49, "abdominal_pain": True, "sudden_severe_onset": False}, False),
        ({"age": 50, "abdominal_pain": True, "sudden_severe_onset": False}, True),
    ],
)
def test_r3_5_visceral_abdominal_pain(answers: dict[str, Any], fires: bool) -> None:
    a = _assess(v(sex="male", **NO_AAA_RISK, **answers))
    assert ("visceral_abdominal_pain" in _flags(a)) is fires, _flags(a)
    if fires:
        flag = _finding(a, "visceral_abdominal_pain")
        assert flag.urgency == Urgency.URGENT and flag.timeframe.value == "within_24h"
        assert flag.family == "vascular"
    if answers["age"] < 50:
        assert "aaa_rupture_suspected" not in _flags(a)
        assert a.urgency == (Urgency.URGENT if fires else Urgency.SELF_CARE)


# --- R3-6: pregnancy family -----------------------------------------------------------------------

PREGNANT = v(
    age=30,
    sex="female",
    pregnant=True,
    pain_duration_days=1,
    abdominal_pain=False,
    sudden_severe_onset=False,
    unrelenting_pain=False,
    can_walk_minutes=30,
    **NO_AAA_RISK,
)


def test_r3_6_pregnant_with_sudden_severe_back_and_tummy_pain() -> None:
    a = _assess({**PREGNANT, "abdominal_pain": True, "sudden_severe_onset": True})
    assert a.urgency == Urgency.URGENT
    flag = _finding(a, "pregnancy_acute_pain")
    assert flag.family == "pregnancy"
    assert flag.urgency == Urgency.URGENT and flag.timeframe.value == "within_24h"
    action = flag.action.lower()
    assert "maternity" in action or "midwife" in action
    assert "bleeding" in action and "baby" in action  # "go now if you are bleeding, ..."
    assert "gponline_pregnancy_red_flags" in _evidence_ids(flag)
    assert a.recommendations == ()  # revision 2 offered heat
    assert "maternity_signs" in _cards(a)
    _assert_urgent_fallback(a)
    _assert_nothing_reassuring(a)


@pytest.mark.parametrize("symptom", ["abdominal_pain", "sudden_severe_onset", "unrelenting_pain"])
def test_r3_6_pregnancy_acute_pain_each_symptom(symptom: str) -> None:
    a = _assess({**PREGNANT, symptom: True})
    assert _finding(a, "pregnancy_acute_pain").urgency == Urgency.URGENT
    assert a.urgency == Urgency.URGENT
    b = _assess({**PREGNANT, symptom: True, "pregnant": False})  # nearest negative
    assert "pregnancy_acute_pain" not in _flags(b)
    assert "maternity_signs" not in _cards(b)
    c = _assess({**PREGNANT, symptom: True, "pregnant": None})
    assert "pregnancy_acute_pain" not in _flags(c)


def test_r3_6_every_pregnant_person_gets_the_maternity_card() -> None:
    calm = _assess(PREGNANT)
    assert "pregnancy_acute_pain" not in _flags(calm)
    assert calm.urgency == Urgency.SELF_CARE
    assert "maternity_signs" in _cards(calm)
    # At emergency the only cards are emergency_help and, when pregnant, maternity_signs.
    collapse = _assess({**PREGNANT, "collapse_or_fainting": True})
    assert collapse.urgency == Urgency.EMERGENCY
    assert set(_cards(collapse)) == {"emergency_help", "maternity_signs"}
    not_pregnant = _assess({**PREGNANT, "pregnant": False, "collapse_or_fainting": True})
    assert _cards(not_pregnant) == ["emergency_help"]


# --- R3-7: only (limits plan) flags limit; review does not lift; clearance per flag --------------

LIMITS_PLAN_VIGNETTES: dict[str, dict[str, Any]] = {
    "infection_risk_factor": {"immunosuppressed": True},
    "cancer_history": {"history_of_cancer": True},
    "malignancy_weight_loss_age": {"age": 55, "unexplained_weight_loss": True},
    "fracture_fragility": {"minor_trauma": True, "osteoporosis": True, "pain_intensity": 3},
}
#: A person whose full plan would be large: chronic, runs, off work, STarT Back high.
FULL_PLAN_PERSON = {
    "age": 40,
    "pain_duration_days": 120,
    "pain_intensity": 3,
    "currently_runs": True,
    "can_walk_minutes": 30,
    "off_work_due_to_back_pain": True,
    "startback": STARTBACK_HIGH,
}


def _limited(rule: str, **extra: Any) -> dict[str, Any]:
    return v(**{**FULL_PLAN_PERSON, **LIMITS_PLAN_VIGNETTES[rule], **extra})


def _assert_limited_plan(a: Assessment) -> None:
    ids = set(_recs(a))
    assert ids <= LIMITED_PLAN, f"limits-plan flag listed beside {sorted(ids)}"
    assert "stay_active" in ids
    assert a.advice_against == (), "principle 2: no 'do not' list under a limited plan"
    for fmt in FORMATS:
        low = _words(a, fmt).lower()
        assert "hurt does not mean harm" not in low, fmt
        assert "refer yourself" not in low, f"{fmt}: matched care under a limited plan"


@pytest.mark.parametrize("rule", sorted(LIMITS_PLAN_VIGNETTES))
def test_r3_7_limits_plan_flag_limits_the_plan(rule: str) -> None:
    a = _assess(_limited(rule))
    assert a.screen_complete
    flag = _finding(a, rule)
    assert flag.urgency == Urgency.SOON
    _assert_limited_plan(a)


@pytest.mark.parametrize("rule", sorted(LIMITS_PLAN_VIGNETTES))
def test_r3_7_clinician_review_does_not_lift_the_limit(rule: str) -> None:
    """The revision-2 finding: after review, "see a doctor: possible infection" sat beside
    running and "hurt does not mean harm"."""
    a = _assess(_limited(rule, **REVIEWED))
    assert rule in _flags(a), "a limits-plan flag is not reviewable"
    assert rule not in _watch(a)
    _assert_limited_plan(a)
    assert "running" not in _recs(a)


@pytest.mark.parametrize("rule", sorted(LIMITS_PLAN_VIGNETTES))
def test_r3_7_clearance_lifts_the_limit_for_that_flag(rule: str) -> None:
    a = _assess(_limited(rule, clinician_cleared_flags=[rule]))
    assert rule not in _flags(a)
    item = _watch_item(a, rule)
    assert item.cleared is True
    assert item.to_dict()["cleared"] is True
    assert "cleared you to exercise" in item.advice.lower()
    assert not set(_flags(a)) & LIMITS_PLAN
    ids = set(_recs(a))
    assert {"stay_active", "reassurance", "group_exercise"} <= ids, ids
    if rule == "fracture_fragility":
        # C9 / section 3: clearance never lifts running's fracture exclusion.
        assert "running" not in ids
        assert "fracture_signs" in _cards(a)
    else:
        assert "running" in ids  # runs, pain 3 of 10, no fracture flag
    if rule == "cancer_history":
        assert a.urgency == Urgency.SELF_CARE  # nothing else fired


def test_r3_7_clearance_is_per_flag() -> None:
    state = _limited(
        "cancer_history", immunosuppressed=True, clinician_cleared_flags=["cancer_history"]
    )
    a = _assess(state)
    assert _watch_item(a, "cancer_history").cleared is True
    assert "infection_risk_factor" in _flags(a)
    _assert_limited_plan(a)


def test_r3_7_clearance_never_lifts_a_caution() -> None:
    """Section 3: clearance never lifts a caution (osteoporosis on core_stability, C9)."""
    state = v(
        pain_duration_days=60,
        minor_trauma=True,
        osteoporosis=True,
        pain_intensity=3,
        clinician_cleared_flags=["fracture_fragility"],
    )
    a = _assess(state)
    core = next(r for r in a.recommendations if r.id == "core_stability")
    said = " ".join(core.cautions).lower()
    assert "flexion" in said or "sit-up" in said or "crunch" in said, core.cautions


def test_r3_7_reviewable_and_axspa_flags_never_limit_the_plan() -> None:
    """Weak flags removed exercise from an axSpA case in revision 2."""
    state = v(
        age=46,
        first_back_pain_age=40,
        pain_duration_days=100,
        axspa_features=[
            "buttock_pain",
            "improves_with_movement",
            "family_history_spa",
            "psoriasis_history",
        ],
        night_pain=True,
        thoracic_pain=True,
    )
    a = _assess(state)
    assert {"axspa_refer", "malignancy_weak_combination"} <= set(_flags(a))
    assert a.urgency == Urgency.SOON
    assert {"core_stability", "yoga", "tai_chi", "group_exercise", "reassurance"} <= set(_recs(a))
    myeloma = _assess(v(age=60, pain_duration_days=42))
    assert "ng12_myeloma_bloods" in _flags(myeloma)
    assert {"reassurance", "group_exercise"} <= set(_recs(myeloma))


def test_r3_7_reviewed_watch_item_does_not_claim_what_it_cannot_know() -> None:
    """C12: "if a clinician has already assessed this, follow their plan; if it is new since then
    or getting worse, see them again" (never "a clinician has seen this")."""
    a = _assess(v(leg_numbness_or_tingling="one_side", **REVIEWED))
    item = _watch_item(a, "radicular_sensory")
    assert item.reviewed is True
    advice = item.advice.lower()
    assert "a clinician has seen this" not in advice
    assert "follow their plan" in advice


# --- R3-8: principle 3 is not waived by review ----------------------------------------------------


def test_r3_8_reviewed_but_core_questions_missing_is_an_incomplete_screen() -> None:
    state = {
        "age": 35,
        "pain_duration_days": 120,
        "pain_intensity": 3,
        "currently_runs": True,
        **REVIEWED,
    }
    a = _assess(state)
    assert a.screen_complete is False
    assert _recs(a) == ["stay_active"]
    assert set(a.unanswered[: len(CORE_SAFETY_QUESTIONS)]) == set(CORE_SAFETY_QUESTIONS)
    assert {"cauda_equina_signs", "cancer_signs", "infection_signs"} <= set(_cards(a))
    for fmt in FORMATS:
        assert _has(_words(a, fmt), "Answer these safety questions first"), fmt


def test_r3_8_one_core_question_missing_after_review() -> None:
    a = _assess(v(fever=None, **REVIEWED))
    assert a.screen_complete is False
    assert a.unanswered[0] == "fever"
    assert _recs(a) == ["stay_active"]


def test_r3_8_nearest_negative_reviewed_and_answered() -> None:
    a = _assess(v(**REVIEWED))
    assert a.screen_complete is True
    assert "reassurance" in _recs(a)
    assert not set(a.unanswered) & set(CORE_SAFETY_QUESTIONS)


# --- R3-9: "unchanged" counts only before the chronic phase -------------------------------------


@pytest.mark.parametrize(
    ("days", "trend", "fires"),
    [
        (27, "unchanged", False),
        (28, "unchanged", True),
        (60, "unchanged", True),
        (84, "unchanged", True),  # last subacute day (chronic >= 85)
        (85, "unchanged", False),
        (100, "unchanged", False),
        (100, "worsening", True),  # worsening still counts in chronic pain
        (28, "worsening", True),
        (60, "improving", False),
    ],
)
def test_r3_9_not_improving_weak_flag(days: int, trend: str, fires: bool) -> None:
    a = _assess(v(age=40, night_pain=True, pain_duration_days=days, pain_trend=trend))
    assert ("malignancy_weak_combination" in _flags(a)) is fires, (days, trend, _flags(a))
    if not fires:
        # One weak flag (night pain) is a watch item, not a red flag.
        assert "malignancy_weak_flag_watch" in _watch(a)
        assert a.urgency == Urgency.SELF_CARE


def test_r3_9_chronic_unchanged_pain_at_55_is_not_a_combination() -> None:
    a = _assess(v(age=55, pain_duration_days=200, pain_trend="unchanged"))
    assert "malignancy_weak_combination" not in _flags(a)
    subacute = _assess(v(age=55, pain_duration_days=40, pain_trend="unchanged"))
    assert "malignancy_weak_combination" in _flags(subacute)


# --- R3-10: malignancy_weight_loss_age within 1 week; cord-compression card ----------------------

WEIGHT_LOSS_72 = v(
    age=72,
    sex="male",
    pain_duration_days=20,
    unexplained_weight_loss=True,
    thoracic_pain=True,
    night_pain=True,
)


def test_r3_10_weight_loss_at_72_is_within_1_week_with_the_cord_compression_card() -> None:
    a = _assess(WEIGHT_LOSS_72)
    assert a.urgency == Urgency.SOON
    flag = _finding(a, "malignancy_weight_loss_age")
    assert flag.urgency == Urgency.SOON
    assert flag.timeframe.value == "within_1_week"
    action = flag.action.lower()
    assert "week" in action  # "see a doctor this week"
    assert "ct" in re.findall(r"[a-z]+", action)  # the NG12 direct-access CT route
    assert "cord_compression_signs" in _cards(a)
    card = next(c for c in a.safety_net if c.id == "cord_compression_signs")
    assert card.items and all(isinstance(i, str) and i for i in card.items)
    assert "emergency" in " ".join((card.title, *card.items)).lower()
    # Not longer than past cancer alone.
    cancer = _finding(_assess(v(history_of_cancer=True)), "cancer_history")
    assert cancer.timeframe.value == "within_1_week"
    _assert_limited_plan(a)
    for fmt in FORMATS:
        shown = _words(a, fmt)
        assert re.search(r"within (1|one) week", shown, re.IGNORECASE), fmt
        assert "within_1_week" not in _raw(a, fmt), fmt


def test_r3_10_nearest_negative_weight_loss_at_49() -> None:
    a = _assess({**WEIGHT_LOSS_72, "age": 49})
    assert "malignancy_weight_loss_age" not in _flags(a)


def test_r3_10_cord_compression_card_follows_malignancy_flags_and_watch_items() -> None:
    watch_only = _assess(v(night_pain=True))
    assert "malignancy_weak_flag_watch" in _watch(watch_only)
    assert "cord_compression_signs" in _cards(watch_only)
    assert "cord_compression_signs" in _cards(_assess(v(history_of_cancer=True)))
    assert "cord_compression_signs" not in _cards(_assess(v()))


# --- R3-11: sepsis, fracture and maternity cards; urgent fallback; "keep moving" ------------------


def test_r3_11_fever_urgent_action_has_the_fallback_and_sepsis_card() -> None:
    a = _assess(v(fever=True, can_walk_minutes=30))
    assert a.urgency == Urgency.URGENT
    assert "infection_fever" in _flags(a)
    _assert_urgent_fallback(a)
    assert "keep moving gently as comfort allows" in a.red_flags[0].action.lower()
    assert "sepsis_signs" in _cards(a)
    _assert_nothing_reassuring(a)


def test_r3_11_no_keep_moving_when_the_person_cannot_walk() -> None:
    a = _assess(v(fever=True, can_walk_minutes=0))
    assert a.urgency == Urgency.URGENT
    _assert_urgent_fallback(a)
    assert not _keeps_moving(a)


def test_r3_11_no_keep_moving_with_an_urgent_fracture_flag() -> None:
    a = _assess(v(structural_deformity=True, can_walk_minutes=30))
    assert _finding(a, "fracture_deformity").urgency == Urgency.URGENT
    _assert_urgent_fallback(a)
    assert not _keeps_moving(a)
    assert "fracture_signs" in _cards(a)


def test_r3_11_fragility_fracture_urgent_and_cannot_walk_says_how_to_get_there() -> None:
    a = _assess(v(minor_trauma=True, osteoporosis=True, can_walk_minutes=0))
    flag = _finding(a, "fracture_fragility")
    assert flag.urgency == Urgency.URGENT
    action = flag.action.lower()
    assert "someone to take you" in action or "call emergency services" in action, flag.action
    assert not _keeps_moving(a)
    _assert_urgent_fallback(a)


def test_r3_11_a_fracture_flag_at_soon_does_not_stop_keep_moving() -> None:
    """'no fracture-family flag is at urgent or above': fragility at soon beside a fever."""
    a = _assess(
        v(fever=True, minor_trauma=True, osteoporosis=True, pain_intensity=3, can_walk_minutes=30)
    )
    assert _finding(a, "fracture_fragility").urgency == Urgency.SOON
    assert a.urgency == Urgency.URGENT
    assert "keep moving gently as comfort allows" in a.red_flags[0].action.lower()


def test_r3_11_cards_for_soon_flags_and_watch_items() -> None:
    infection = _assess(v(immunosuppressed=True))
    assert "sepsis_signs" in _cards(infection)
    fragility = _assess(v(minor_trauma=True, osteoporosis=True, pain_intensity=3))
    assert "fracture_signs" in _cards(fragility)
    reviewed_fracture = _assess(v(osteoporosis=True, previous_vertebral_fracture=True, **REVIEWED))
    assert "fracture_risk_profile" in _watch(reviewed_fracture)
    assert "fracture_signs" in _cards(reviewed_fracture)
    plain = _assess(v())
    assert not {"sepsis_signs", "fracture_signs", "maternity_signs"} & set(_cards(plain))
    assert "cauda_equina_signs" in _cards(plain)  # every soon/self_care assessment


def test_r3_11_emergency_shows_only_the_emergency_card() -> None:
    a = _assess(v(saddle_anaesthesia=True))
    assert a.urgency == Urgency.EMERGENCY
    assert _cards(a) == ["emergency_help"]
    assert not _keeps_moving(a)


# --- R3-12: nothing reassuring rendered at urgent/emergency; conditional action text -------------


def test_r3_12_sciatica_advice_not_rendered_beside_cauda_equina() -> None:
    a = _assess(
        v(saddle_anaesthesia=True, leg_pain="one_side", pain_duration_days=5, pain_intensity=4)
    )
    assert a.urgency == Urgency.EMERGENCY
    assert "sciatica_watch" in _watch(a), "C16: watch in the JSON stays complete"
    assert "sciatica_watch" in [w["id"] for w in a.to_dict()["watch"]]
    _assert_nothing_reassuring(a)


@pytest.mark.parametrize(("fever", "shown"), [(False, True), (None, True), (True, False)])
def test_r3_12_conditional_action_text(fever: bool | None, shown: bool) -> None:
    """infection_risk_factor: "go the same day if you develop a fever or shaking chills" only
    when fever is not answered true (C17: unknown = not true)."""
    a = _assess(v(immunosuppressed=True, fever=fever))
    action = _finding(a, "infection_risk_factor").action.lower()
    develop = IF_FEVER
    assert bool(develop.search(action)) is shown, action
    if not shown:
        for f in a.red_flags:
            assert not develop.search(f.action.lower()), f.id
        for fmt in FORMATS:
            assert not develop.search(_words(a, fmt).lower()), fmt


# --- R3-13: questions in lay wording, asked_of, incomplete-screen headline ----------------------

INCOMPLETE = {"age": 40, "pain_duration_days": 10}


def test_r3_13_questions_mirror_unanswered_in_lay_wording() -> None:
    a = _assess(INCOMPLETE)
    assert a.screen_complete is False
    assert [q.id for q in a.questions] == list(a.unanswered)
    assert set(a.unanswered[: len(CORE_SAFETY_QUESTIONS)]) == set(CORE_SAFETY_QUESTIONS)
    for q in a.questions:
        assert q.text and q.text != q.id and "_" not in q.text, q
        assert q.asked_of == ("clinician" if q.id in CLINICIAN_FINDINGS else "person"), q
    saddle = next(q for q in a.questions if q.id == "saddle_anaesthesia").text.lower()
    assert "numb" in saddle  # "numbness or tingling around the anus, genitals or inner thighs"
    assert a.to_dict()["questions"] == [
        {"id": q.id, "text": q.text, "asked_of": q.asked_of} for q in a.questions
    ]


def test_r3_13_pulsatile_mass_is_for_the_clinician() -> None:
    a = _assess(INCOMPLETE)
    assert "pulsatile_abdominal_mass" in a.unanswered  # True would be an emergency
    mass = next(q for q in a.questions if q.id == "pulsatile_abdominal_mass")
    assert mass.asked_of == "clinician"


@pytest.mark.parametrize("fmt", FORMATS)
def test_r3_13_incomplete_screen_output_leads_with_the_questions(fmt: str) -> None:
    a = _assess(INCOMPLETE)
    shown = _words(a, fmt)
    low = shown.lower()
    head = low.find("answer these safety questions first")
    assert head >= 0, shown[:400]
    assert "here is your plan" not in low  # never a self-care headline
    for q in a.questions:
        at = low.find(_norm(q.text).lower())
        assert at >= 0, f"{q.id}: {q.text!r} not shown"
        if q.asked_of == "person":
            assert at > head, f"{q.id} shown before the headline"
    clinician = low.find("for your clinician")
    assert clinician >= 0
    mass = next(q for q in a.questions if q.id == "pulsatile_abdominal_mass")
    assert low.find(_norm(mass.text).lower()) > clinician, (
        "the clinician finding is asked of the person"
    )
    raw = _raw(a, fmt)
    for field in (*CORE_SAFETY_QUESTIONS, "pulsatile_abdominal_mass"):
        if "_" not in field:
            continue  # "fever" is also a plain word
        assert field not in raw, f"{fmt}: field id {field!r} shown to the person"


# --- R3-14: "do not" wording ---------------------------------------------------------------------


def test_r3_14_do_not_wording_for_the_person() -> None:
    a = _assess(v(pain_duration_days=120), profile="nice")
    assert a.advice_against
    for item in a.advice_against:
        assert item.text.startswith("Doctors do not recommend"), item.text
        assert "do not offer" not in item.text.lower()
    treatments = [
        i for i in a.advice_against if re.search(r"corset|traction|acupuncture|TENS", i.text)
    ]
    assert treatments
    for item in treatments:
        assert "has not been shown to help" in item.text, item.text
    assert any("paracetamol" in i.text.lower() for i in a.advice_against)
    for fmt in FORMATS:
        count = _words(a, fmt).lower().count("do not stop a medicine you already take")
        assert count == 1, f"{fmt}: said {count} times"


def test_r3_14_no_paracetamol_alone_in_pregnancy() -> None:
    a = _assess(v(pain_duration_days=120, sex="female", pregnant=True), profile="nice")
    assert a.advice_against
    assert not any("paracetamol" in i.text.lower() for i in a.advice_against)
    for fmt in FORMATS:
        assert "paracetamol alone" not in _words(a, fmt).lower(), fmt


# --- R3-15: pain_relief, flare_up_plan, return_to_work ------------------------------------------


def _rec(a: Assessment, rid: str) -> spinerules.Recommendation:
    found = [r for r in a.recommendations if r.id == rid]
    assert found, f"{rid} not recommended: {_recs(a)}"
    return found[0]


def test_r3_15_pain_relief_with_a_full_plan() -> None:
    a = _assess(v())
    pain = _rec(a, "pain_relief")
    assert pain.kind == "advice" and pain.section == "advice"
    said = f"{pain.dose} {pain.progression}".lower()
    assert "pharmacist" in said and ("ibuprofen" in said or "anti-inflammatory" in said)
    assert any("check with a pharmacist or doctor first" in c.lower() for c in pain.cautions)


def test_r3_15_pain_relief_in_pregnancy_asks_the_midwife() -> None:
    a = _assess(v(sex="female", pregnant=True))
    pain = _rec(a, "pain_relief")
    said = " ".join((pain.dose, pain.progression, *pain.cautions)).lower()
    assert "midwife" in said
    assert "ibuprofen" not in pain.dose.lower()


def test_r3_15_pain_relief_not_under_principles_2_or_3() -> None:
    assert "pain_relief" not in _recs(_assess(v(history_of_cancer=True)))
    assert "pain_relief" not in _recs(_assess(INCOMPLETE))


def test_r3_15_flare_up_plan_in_chronic_pain() -> None:
    assert _rec(_assess(v(pain_duration_days=120)), "flare_up_plan").kind == "advice"
    assert "flare_up_plan" not in _recs(_assess(v(pain_duration_days=10)))
    assert "flare_up_plan" not in _recs(_assess(v(pain_duration_days=120, history_of_cancer=True)))


def test_r3_15_return_to_work_when_off_work() -> None:
    work = _rec(_assess(v(off_work_due_to_back_pain=True)), "return_to_work")
    assert work.kind == "advice" and work.section == "advice"
    assert "fit note" in f"{work.dose} {work.progression}".lower()
    assert "return_to_work" not in _recs(_assess(v(off_work_due_to_back_pain=False)))
    assert "return_to_work" not in _recs(_assess(v(off_work_due_to_back_pain=None)))
    assert "return_to_work" not in _recs(
        _assess(v(off_work_due_to_back_pain=True, immunosuppressed=True))
    )


def test_r3_15_off_work_is_not_a_symptom() -> None:
    assert FIELDS["off_work_due_to_back_pain"].kind == "bool"
    for value in (None, False, True):
        assert _assess(v(off_work_due_to_back_pain=value)).urgency == Urgency.SELF_CARE


# --- R3-16: three exercises to choose from, the rest as options ---------------------------------

CHRONIC_MANY = v(
    age=45,
    pain_duration_days=200,
    bmi=32.0,
    can_walk_minutes=30,
    currently_runs=True,
    pain_intensity=3,
    off_work_due_to_back_pain=True,
    preferred_activities=["yoga", "core_stability", "strength_and_walking"],
)


def _assert_sections(a: Assessment) -> None:
    exercises = [r for r in a.recommendations if r.kind == "exercise"]
    for r in a.recommendations:
        assert r.kind in ("advice", "comfort", "exercise"), r
        if r.id in ADVICE_KINDS:
            assert r.kind == ADVICE_KINDS[r.id], r.id
        if r.kind != "exercise":
            assert r.section == "advice", r.id
    for n, r in enumerate(exercises):
        assert r.section == ("choose" if n < 3 else "other"), (n, r.id, r.section)


def test_r3_16_plan_sections() -> None:
    a = _assess(CHRONIC_MANY)
    _assert_sections(a)
    exercises = [r for r in a.recommendations if r.kind == "exercise"]
    assert len(exercises) > 3
    assert [r.id for r in exercises[:3]] == ["yoga", "core_stability", "strength_and_walking"]
    out = a.to_dict()["recommendations"]
    assert [r["id"] for r in out] == _recs(a)  # the JSON keeps every recommendation, ranked
    assert all(r["kind"] and r["section"] for r in out)


@pytest.mark.parametrize("fmt", FORMATS)
def test_r3_16_every_format_shows_reason_dose_framing_and_grade(fmt: str) -> None:
    a = _assess(CHRONIC_MANY)
    shown = _words(a, fmt)
    assert _has(shown, "Choose one or two"), fmt
    assert _has(shown, "Other options"), fmt
    framed = 0
    for r in a.recommendations:
        if r.section == "other":
            assert _has(shown, r.name), f"{r.id} not listed by name"
            continue
        for part, text in (("reason", r.reason), ("dose", r.dose), ("progression", r.progression)):
            if text:
                assert _has(shown, text), f"{fmt}: {r.id} {part} {text!r} not shown"
        for caution in r.cautions:
            assert _has(shown, caution), f"{fmt}: {r.id} caution {caution!r} not shown"
        if r.framing:
            framed += 1
            assert _has(shown, r.framing), f"{fmt}: {r.id} framing {r.framing!r} not shown"
        if r.grade is not None:
            words = r.grade.value.replace("_", " ")
            assert _has(shown, f"evidence: {words}"), f"{fmt}: {r.id} grade not in words"
    assert framed >= 2  # yoga and core stability carry honest framing (section 9)
    raw = _raw(a, fmt)
    for spec_id in SPEC_IDS_NEVER_SHOWN:
        assert spec_id not in raw, f"{fmt}: {spec_id!r} shown as an id"


# --- R3-17: grades and evidence per rule ----------------------------------------------------------


def test_r3_17_strength_and_walking_is_graded_low() -> None:
    a = _assess(v(pain_duration_days=200, bmi=32.0))
    assert _rec(a, "strength_and_walking").grade == Grade.LOW


def test_r3_17_core_stability_osteoporosis_caution() -> None:
    a = _assess(v(pain_duration_days=60, osteoporosis=True))
    core = _rec(a, "core_stability")
    said = " ".join(core.cautions).lower()
    assert "flexion" in said or "sit-up" in said or "crunch" in said, core.cautions
    plain = _rec(_assess(v(pain_duration_days=60, osteoporosis=False)), "core_stability")
    assert not any("crunch" in c.lower() or "sit-up" in c.lower() for c in plain.cautions)


MALIGNANCY_EVIDENCE: dict[str, tuple[dict[str, Any], set[str], set[str]]] = {
    # rule: (vignette, must cite, must not cite)
    "mscc": (
        v(history_of_cancer=True, leg_pain="one_side", neuro_symptoms_course="new"),
        {"nice_ng234"},
        {"nice_ng12", "seed_article"},
    ),
    "cancer_metastasis_features": (
        v(history_of_cancer=True, night_pain=True),
        {"nice_ng234"},
        {"nice_ng12", "seed_article"},
    ),
    "malignancy_weight_loss_age": (
        v(age=55, unexplained_weight_loss=True),
        {"nice_ng12"},
        {"nice_ng234", "seed_article"},
    ),
    "ng12_myeloma_bloods": (
        v(age=60, pain_duration_days=42),
        {"nice_ng12"},
        {"nice_ng234", "seed_article"},
    ),
    "malignancy_weak_combination": (
        v(night_pain=True, thoracic_pain=True),
        {"downie2013", "henschke2013"},
        {"nice_ng12", "nice_ng234", "seed_article"},
    ),
    "malignancy_unrelenting_pain": (
        v(unrelenting_pain=True),
        {"seed_article"},
        {"nice_ng12", "nice_ng234"},
    ),
    "cancer_history": (v(history_of_cancer=True), set(), {"seed_article"}),
}


@pytest.mark.parametrize("rule", sorted(MALIGNANCY_EVIDENCE))
def test_r3_17_malignancy_rules_cite_their_own_evidence(rule: str) -> None:
    state, must, must_not = MALIGNANCY_EVIDENCE[rule]
    flag = _finding(_assess(state), rule)
    cited = _evidence_ids(flag)
    assert {"ifompt2020", "nice_cks_lbp"} <= cited, cited
    assert must <= cited, cited
    assert not cited & must_not, cited & must_not
    for ref in flag.evidence:
        if ref.id in ("nice_ng12", "nice_ng234", "nice_cks_lbp"):
            assert ref.grade == Grade.GUIDELINE, ref


# --- R3-18: matched care names the route ---------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "risk", "words"),
    [
        (STARTBACK_HIGH, "high", ("physiotherapy", "gp", "refer yourself")),
        (STARTBACK_MEDIUM, "medium", ("physiotherapy", "gp", "refer yourself")),
    ],
)
def test_r3_18_matched_care_names_the_route(
    answers: dict[str, Any], risk: str, words: tuple[str, ...]
) -> None:
    a = _assess(v(startback=answers))
    assert a.startback is not None and a.startback.risk == risk
    care = (a.startback.matched_care or "").lower()
    for word in words:
        assert word in care, care
    if risk == "high":
        assert "worry" in care or "low mood" in care
    for fmt in FORMATS:
        assert _has(_words(a, fmt), "refer yourself"), fmt


def test_r3_18_startback_scored_at_urgent_but_matched_care_not_rendered() -> None:
    a = _assess(v(fever=True, startback=STARTBACK_HIGH))
    assert a.urgency == Urgency.URGENT
    assert a.startback is not None and a.startback.risk == "high"  # C10
    _assert_nothing_reassuring(a)


def test_r3_18_never_self_management_only_beside_a_review() -> None:
    a = _assess(v(age=60, pain_duration_days=42, startback=STARTBACK_LOW))
    assert a.urgency == Urgency.SOON and a.startback is not None and a.startback.risk == "low"
    for fmt in FORMATS:
        assert "self-management only" not in _words(a, fmt).lower(), fmt


# ==============================================================================================
# clinician_cleared_flags: semantics and input errors (section 3, C15)
# ==============================================================================================


def _policy_not_applied(a: Assessment, rule: str) -> bool:
    return any(
        t.rule == rule and t.kind == "policy" and "not applied" in t.text.lower() for t in a.trace
    )


@pytest.mark.parametrize(
    ("state", "rule"),
    [
        (v(fever=True), "infection_fever"),
        (v(saddle_anaesthesia=True), "ces_saddle"),
        (v(minor_trauma=True, osteoporosis=True, pain_intensity=8), "fracture_fragility"),
        (WOMAN_55_SUDDEN, "sudden_severe_pain_older"),
    ],
)
def test_clearance_never_applies_at_urgent_or_emergency(state: dict[str, Any], rule: str) -> None:
    base = _assess(state)
    assert _finding(base, rule).urgency >= Urgency.URGENT
    a = _assess({**state, "clinician_cleared_flags": [rule]})
    assert _finding(a, rule).urgency == _finding(base, rule).urgency
    assert rule not in _watch(a)
    assert a.urgency == base.urgency
    assert _policy_not_applied(a, rule), [t for t in a.trace if t.rule == rule]


def test_clearance_never_changes_principle_3() -> None:
    a = _assess(
        {**INCOMPLETE, "history_of_cancer": True, "clinician_cleared_flags": ["cancer_history"]}
    )
    assert a.screen_complete is False
    assert _recs(a) == ["stay_active"]


@pytest.mark.parametrize("cleared", [[], ["cancer_history"], ["fracture_fragility", "ces_saddle"]])
def test_clearance_of_a_flag_that_did_not_fire_is_ignored_silently(cleared: list[str]) -> None:
    base = _assess(v())
    a = _assess(v(clinician_cleared_flags=cleared))
    assert a.urgency == base.urgency
    assert [f.to_dict() for f in a.red_flags] == [f.to_dict() for f in base.red_flags]
    assert [w.to_dict() for w in a.watch] == [w.to_dict() for w in base.watch]
    assert _recs(a) == _recs(base)
    assert _cards(a) == _cards(base)
    assert not any("not applied" in t.text.lower() for t in a.trace)


@pytest.mark.parametrize(
    ("value", "nearest"),
    [
        ("ces_sadle", "ces_saddle"),
        ("cancer_histroy", "cancer_history"),
        ("infection_risk_factors", "infection_risk_factor"),
        ("fracture_fragilty", "fracture_fragility"),
    ],
)
def test_clearance_near_miss_is_an_error_with_did_you_mean(value: str, nearest: str) -> None:
    with pytest.raises(InvalidPatientState) as err:
        _assess(v(clinician_cleared_flags=[value]))
    message = str(err.value)
    assert "clinician_cleared_flags" in message
    assert value in message
    assert "did you mean" in message.lower()
    assert nearest in message


@pytest.mark.parametrize(
    "value", ["walking", "stay_active", "group_exercise", *WATCH_ONLY_IDS, "emergency", ""]
)
def test_clearance_of_something_not_a_red_flag_is_an_error(value: str) -> None:
    with pytest.raises(InvalidPatientState) as err:
        _assess(v(clinician_cleared_flags=[value]))
    message = str(err.value)
    assert "clinician_cleared_flags" in message
    if value:
        assert value in message


@pytest.mark.parametrize(
    "value",
    ["cancer_history", 1, True, {"cancer_history": True}, [1], [None], [["cancer_history"]]],
)
def test_clearance_must_be_a_list_of_ids(value: Any) -> None:
    with pytest.raises(InvalidPatientState) as err:
        _assess(v(clinician_cleared_flags=value))
    message = str(err.value)
    assert "clinician_cleared_flags" in message
    if isinstance(value, str):
        assert value in message


def test_clearance_duplicate_is_an_error() -> None:
    with pytest.raises(InvalidPatientState) as err:
        _assess(
            v(history_of_cancer=True, clinician_cleared_flags=["cancer_history", "cancer_history"])
        )
    message = str(err.value)
    assert "clinician_cleared_flags" in message and "cancer_history" in message


def test_every_spec_red_flag_can_be_cleared_without_error() -> None:
    """Section 3: every red flag of the rule base is a valid id (the spec's 40, revision 3)."""
    a = _assess(v(clinician_cleared_flags=list(SPEC_RED_FLAG_IDS)))
    assert a.urgency == Urgency.SELF_CARE


# ==============================================================================================
# Properties
# ==============================================================================================

#: Inputs that make a *(limits plan)* flag fire (section 4), and a few that add other tiers.
LIMITS_TRIGGERS = (
    "history_of_cancer",
    "unexplained_weight_loss",
    "iv_drug_use",
    "immunosuppressed",
    "long_term_corticosteroids",
    "recent_bacterial_infection",
    "minor_trauma",
    "osteoporosis",
    "previous_vertebral_fracture",
)
OTHER_TRIGGERS = (
    "night_pain",
    "thoracic_pain",
    "unrelenting_pain",
    "fever",
    "pregnant",
    "diabetes",
)
_CLEAR_CHOICES = st.sampled_from(
    (*sorted(LIMITS_PLAN), *sorted(LIMITS_PLAN), *SPEC_RED_FLAG_IDS)
)  # limits-plan ids drawn often
_SIDES = st.sampled_from((None, "none", "none", "one_side"))


def _fit_onset(data: dict[str, Any]) -> None:
    """Keep ``first_back_pain_age <= age`` after a generator has changed the age (section 2)."""
    onset = data.get("first_back_pain_age")
    if onset is not None and onset > data["age"]:
        data["first_back_pain_age"] = data["age"]  # lower only: onset_before_35 stays valid


@st.composite
def clearance_patients(draw: st.DrawFn, cleared: bool = True) -> dict[str, Any]:
    """Sparse patients where limits-plan flags are common, with review and clearance drawn."""
    data = draw(sparse_patient_dicts(max_present=3, pool=LIMITS_TRIGGERS + OTHER_TRIGGERS))
    data["age"] = draw(st.sampled_from((30, 45, 55, 65, 72)) | st.integers(16, 95))
    data["pain_duration_days"] = draw(st.sampled_from((5, 30, 60, 120, 400)))
    for q in CORE_SAFETY_QUESTIONS:  # mostly complete screens: principle 2 needs them
        if data.get(q) is None and draw(st.integers(0, 9)) > 0:
            data[q] = "none" if q.startswith("leg_") else False
    data["leg_pain"] = draw(st.sampled_from((data.get("leg_pain"), "none", "one_side")))
    data["clinician_reviewed_this_episode"] = draw(st.sampled_from((None, False, True)))
    data["currently_runs"] = draw(st.sampled_from((None, False, True)))
    data["pain_intensity"] = draw(st.sampled_from((None, 2, 4, 8)))
    _fit_onset(data)
    data.pop("clinician_cleared_flags", None)
    if cleared:
        data["clinician_cleared_flags"] = draw(st.lists(_CLEAR_CHOICES, unique=True, max_size=4))
    return data


# --- C7 ------------------------------------------------------------------------------------------


@_examples(200)
@given(clearance_patients())
def test_c7_listed_limits_plan_flag_and_full_plan_never_coexist(data: dict[str, Any]) -> None:
    a = _assess(data)
    listed = set(_flags(a)) & LIMITS_PLAN
    ids = set(_recs(a))
    if listed:
        assert ids <= LIMITED_PLAN, f"{sorted(listed)} listed beside {sorted(ids - LIMITED_PLAN)}"
        assert a.advice_against == ()
    elif a.screen_complete and a.urgency <= Urgency.SOON:
        # Not limited: a full programme (reassurance "always with a plan"; group exercise in any
        # phase unless avoided).
        assert "reassurance" in ids, (sorted(ids), _flags(a))
        if "group_exercise" not in (data.get("avoid_activities") or []):
            assert "group_exercise" in ids


# --- questions ---------------------------------------------------------------------------------


@_examples(200)
@given(st.one_of(sparse_patient_dicts(), fast_patient_dicts(), clearance_patients()))
def test_questions_mirror_unanswered_and_never_name_an_answered_field(data: dict[str, Any]) -> None:
    a = _assess(data)
    assert tuple(q.id for q in a.questions) == tuple(a.unanswered)
    assert len(set(a.unanswered)) == len(a.unanswered)
    for q in a.questions:
        assert data.get(q.id) is None, f"{q.id} was answered ({data.get(q.id)!r}) but is asked"
        assert q.asked_of == ("clinician" if q.id in CLINICIAN_FINDINGS else "person"), q
        assert q.text and q.text != q.id, q
    missing_core = [q for q in CORE_SAFETY_QUESTIONS if data.get(q) is None]
    assert set(a.unanswered[: len(missing_core)]) == set(missing_core)
    # Principle 3 whatever clinician_reviewed_this_episode says (R3-8).
    assert a.screen_complete == (not missing_core)
    if not a.screen_complete:
        expected = [] if a.urgency >= Urgency.URGENT else ["stay_active"]
        assert _recs(a) == expected
    assert a.to_dict()["questions"] == [
        {"id": q.id, "text": q.text, "asked_of": q.asked_of} for q in a.questions
    ]


# --- principle 4 over the revision-3 booleans ----------------------------------------------------


def test_revision3_booleans_are_tri_state_fields() -> None:
    for name in REVISION3_BOOLS:
        assert name in FIELDS and FIELDS[name].kind == "bool", name


@_examples(200)
@given(
    sparse_patient_dicts(
        max_present=3, pool=(*REVISION3_BOOLS, "history_of_cancer", "fever", "thoracic_pain")
    ),
    st.sampled_from(REVISION3_BOOLS),
)
def test_monotone_escalation_over_revision3_booleans(data: dict[str, Any], field: str) -> None:
    absent = {k: val for k, val in data.items() if k != field}
    unasked = _assess(absent).urgency
    assert _assess({**absent, field: None}).urgency == unasked, f"{field}: absent vs None"
    no = _assess({**absent, field: False}).urgency
    assert no == unasked, f"{field}: None ≡ False gave {unasked.value} vs {no.value}"
    yes = _assess({**absent, field: True}).urgency
    assert yes >= no, f"{field}: True lowered urgency {no.value} -> {yes.value}"


# --- clearance never lowers urgent/emergency, never changes principle 3 --------------------------


@_examples(200)
@given(
    clearance_patients(cleared=False), st.lists(_CLEAR_CHOICES, unique=True, min_size=1, max_size=5)
)
def test_clearance_never_lowers_urgent_or_emergency(
    data: dict[str, Any], cleared: list[str]
) -> None:
    base = _assess(data)
    a = _assess({**data, "clinician_cleared_flags": cleared})
    assert a.screen_complete == base.screen_complete
    assert a.urgency <= base.urgency  # clearance only turns soon flags into watch items
    if base.urgency >= Urgency.URGENT:
        assert a.urgency == base.urgency
    high_before = [f.to_dict() for f in base.red_flags if f.urgency >= Urgency.URGENT]
    high_after = [f.to_dict() for f in a.red_flags if f.urgency >= Urgency.URGENT]
    assert high_after == high_before
    fired = {f.id: f.urgency for f in base.red_flags}
    for rule in cleared:
        if rule not in fired:
            continue
        if fired[rule] == Urgency.SOON:
            assert rule not in _flags(a), f"{rule} cleared at soon but still listed"
            assert _watch_item(a, rule).cleared is True
        else:
            assert rule in _flags(a)
            assert _policy_not_applied(a, rule), rule


# --- principle 9 over rendered output -----------------------------------------------------------

HIGH_TRIGGERS: tuple[dict[str, Any], ...] = (
    {"saddle_anaesthesia": True},
    {"urinary_retention": True, "neuro_symptoms_course": "stable_2_to_12_weeks"},
    {"fever": True},
    {"fever": True, "immunosuppressed": True},
    {"collapse_or_fainting": True},
    {"gait_disturbance": True},
    {"foot_drop": True},
    {"structural_deformity": True},
    {"known_aortic_aneurysm": True},
    {"recent_spinal_procedure": True},
    {"major_trauma": True},
    {"pulsatile_abdominal_mass": True},
    {"leg_weakness": "progressive"},
    {"sudden_severe_onset": True, "age": 60},
    {"abdominal_pain": True, "sudden_severe_onset": True},
    {"pregnant": True, "abdominal_pain": True},
    {"history_of_cancer": True, "night_pain": True},
    {"thoracic_pain": True, "sudden_severe_onset": True},
)
_FULL_STARTBACK = st.fixed_dictionaries(
    {f"item{n}": st.booleans() for n in range(1, 9)}
    | {"item9": st.sampled_from(("not_at_all", "slightly", "moderately", "very_much", "extremely"))}
)


@st.composite
def urgent_or_emergency_patients(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(
        sparse_patient_dicts(max_present=2, pool=REVISION3_BOOLS + OTHER_TRIGGERS + LIMITS_TRIGGERS)
    )
    data["leg_pain"] = draw(st.sampled_from(("one_side", "one_side", "none", None)))
    data.update(draw(st.sampled_from(HIGH_TRIGGERS)))
    data["clinician_reviewed_this_episode"] = draw(st.sampled_from((None, False, True)))
    if draw(st.booleans()):
        data["startback"] = draw(_FULL_STARTBACK)
    data["clinician_cleared_flags"] = draw(st.lists(_CLEAR_CHOICES, unique=True, max_size=2))
    _fit_onset(data)
    return data


@_examples(100)
@given(urgent_or_emergency_patients())
def test_principle_9_nothing_reassuring_rendered_at_urgent_or_emergency(
    data: dict[str, Any],
) -> None:
    a = _assess(data)
    assume(a.urgency >= Urgency.URGENT)
    assert a.recommendations == ()  # C6
    _assert_nothing_reassuring(a)
    if data.get("fever") is True:
        develop = IF_FEVER
        for fmt in FORMATS:
            assert not develop.search(_words(a, fmt).lower()), fmt
    if a.urgency == Urgency.URGENT:
        _assert_urgent_fallback(a)
    for fmt in FORMATS:
        raw = _raw(a, fmt)
        for spec_id in SPEC_IDS_NEVER_SHOWN:
            assert spec_id not in raw, f"{fmt}: {spec_id!r} shown as an id"


# --- keep moving, safety-net cards and plan sections over generated inputs ----------------------

FRACTURE_FAMILY = "fracture"


@_examples(200)
@given(st.one_of(clearance_patients(), urgent_or_emergency_patients(), sparse_patient_dicts()))
def test_keep_moving_and_safety_net_cards(data: dict[str, Any]) -> None:
    a = _assess(data)
    cards = _cards(a)
    # C18: deduplicated, in order of seriousness, each a short bulleted list.
    assert len(cards) == len(set(cards))
    assert all(c in CARD_ORDER for c in cards), cards
    assert cards == sorted(cards, key=CARD_ORDER.index), cards
    for card in a.safety_net:
        assert card.title and 1 <= len(card.items) <= 12, card.id
        assert all(isinstance(i, str) and i.strip() for i in card.items), card.id
    pregnant = data.get("pregnant") is True
    families = {f.family for f in a.red_flags}
    watch_families = {w.family for w in a.watch}
    if a.urgency == Urgency.EMERGENCY:
        assert set(cards) == {"emergency_help"} | ({"maternity_signs"} if pregnant else set())
        assert not _keeps_moving(a)
    else:
        assert "emergency_help" not in cards
        assert ("maternity_signs" in cards) == pregnant
        assert ("cord_compression_signs" in cards) == ("malignancy" in families | watch_families)
        if "infection" in families:
            assert "sepsis_signs" in cards
        if "sepsis_signs" in cards:
            assert "infection" in families | watch_families, cards
        assert ("fracture_signs" in cards) == (FRACTURE_FAMILY in families | watch_families)
        if not a.screen_complete:
            # Principle 3: the cauda-equina, cancer and infection warning signs; C18 deduplicates,
            # so the sepsis or cord-compression card may stand for its incomplete-screen card.
            assert "cauda_equina_signs" in cards, cards
            assert {"cancer_signs", "cord_compression_signs"} & set(cards), cards
            assert {"infection_signs", "sepsis_signs"} & set(cards), cards
        if a.urgency <= Urgency.SOON:
            assert "cauda_equina_signs" in cards
    if a.urgency == Urgency.URGENT:
        _assert_urgent_fallback(a)
        fracture_high = any(
            f.family == FRACTURE_FAMILY and f.urgency >= Urgency.URGENT for f in a.red_flags
        )
        # "added only when": a necessary condition (the vignettes pin the positive case).
        if fracture_high or data.get("can_walk_minutes") == 0:
            assert not _keeps_moving(a)
    _assert_sections(a)


# --- the generators are not vacuous ------------------------------------------------------------


def test_revision3_generators_reach_the_cases_they_are_for() -> None:
    seen: Counter[str] = Counter()

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=_HEALTH,
    )
    @given(clearance_patients())
    def collect(data: dict[str, Any]) -> None:
        a = _assess(data)
        if set(_flags(a)) & LIMITS_PLAN:
            seen["limits plan listed"] += 1
            if data.get("clinician_reviewed_this_episode") is True:
                seen["listed after review"] += 1
        if any(w.cleared for w in a.watch):
            seen["cleared watch item"] += 1
        seen[a.urgency.value] += 1

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=_HEALTH,
    )
    @given(urgent_or_emergency_patients())
    def collect_high(data: dict[str, Any]) -> None:
        a = _assess(data)
        if a.urgency >= Urgency.URGENT:
            seen["high"] += 1
            if a.watch:
                seen["watch at high"] += 1

    collect()
    collect_high()
    for key in (
        "limits plan listed",
        "listed after review",
        "cleared watch item",
        "soon",
        "self_care",
    ):
        assert seen[key] >= 3, seen
    assert seen["high"] >= 40 and seen["watch at high"] >= 5, seen


# ==============================================================================================
# Engine differential (durable-rules: Python 3.11/3.12 only; conftest deselects elsewhere)
# ==============================================================================================

DIFFERENTIAL: dict[str, dict[str, Any]] = {
    "r3_1_collapse_45": COLLAPSE_45,
    "r3_1_collapse_55": v(age=55, collapse_or_fainting=True, **NO_AAA_RISK),
    "r3_2_man_68_sudden": MAN_68_SUDDEN,
    "r3_2_woman_55_smoker": {**WOMAN_55_SUDDEN, "smokes_or_smoked": True},
    "r3_3_woman_55_sudden": WOMAN_55_SUDDEN,
    "r3_3_woman_49_sudden": {**WOMAN_55_SUDDEN, "age": 49},
    "r3_4_known_21": KNOWN_ANEURYSM,
    "r3_4_known_14": {**KNOWN_ANEURYSM, "pain_duration_days": 14},
    "r3_5_visceral_40": v(abdominal_pain=True, sudden_severe_onset=True),
    "r3_6_pregnant_acute": {**PREGNANT, "abdominal_pain": True, "sudden_severe_onset": True},
    "r3_6_pregnant_calm": PREGNANT,
    "r3_7_reviewed_infection": _limited("infection_risk_factor", **REVIEWED),
    "r3_7_cleared_cancer": _limited("cancer_history", clinician_cleared_flags=["cancer_history"]),
    "r3_7_cleared_fracture": _limited(
        "fracture_fragility", clinician_cleared_flags=["fracture_fragility"]
    ),
    "r3_8_reviewed_incomplete": {"age": 35, "pain_duration_days": 120, **REVIEWED},
    "r3_9_chronic_unchanged": v(night_pain=True, pain_duration_days=100, pain_trend="unchanged"),
    "r3_9_subacute_unchanged": v(night_pain=True, pain_duration_days=60, pain_trend="unchanged"),
    "r3_10_weight_loss_72": WEIGHT_LOSS_72,
    "r3_11_fragility_cannot_walk": v(minor_trauma=True, osteoporosis=True, can_walk_minutes=0),
    "r3_11_fever_walks": v(fever=True, can_walk_minutes=30),
    "r3_12_fever_immunosuppressed": v(immunosuppressed=True, fever=True),
    "r3_13_incomplete": INCOMPLETE,
    "r3_15_off_work": v(off_work_due_to_back_pain=True, pain_duration_days=120),
    "r3_16_chronic_many": CHRONIC_MANY,
    "r3_18_startback_high": v(startback=STARTBACK_HIGH),
    "cleared_at_urgent": v(fever=True, clinician_cleared_flags=["infection_fever"]),
}


def _without_engine(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "ruleset": {k: val for k, val in d["ruleset"].items() if k != "engine"}}


@pytest.mark.durable
@pytest.mark.parametrize("name", sorted(DIFFERENTIAL))
def test_engines_agree_on_revision3_vignettes(name: str) -> None:
    state = DIFFERENTIAL[name]
    python = _assess(state, engine="python").to_dict()
    durable = _assess(state, engine="durable").to_dict()
    assert durable["ruleset"]["engine"] == "durable"
    assert _without_engine(durable) == _without_engine(python)


@pytest.mark.durable
@settings(max_examples=50, deadline=None, suppress_health_check=_HEALTH)
@given(st.one_of(clearance_patients(), urgent_or_emergency_patients()))
def test_engines_agree_on_generated_revision3_patients(data: dict[str, Any]) -> None:
    python = _assess(data, engine="python").to_dict()
    durable = _assess(data, engine="durable").to_dict()
    assert _without_engine(durable) == _without_engine(python)
