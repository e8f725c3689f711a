"""Principle 10, measured: every string a person may read aims at reading grade 8 or lower.

The Flesch–Kincaid grade of every patient-facing string of the rule base (actions, notes,
advice, reasons, doses, progressions, cautions, framing, cards, headlines, questions) is
computed with textstat, pinned at 0.7.3 (later releases fetch an NLTK dictionary at run time,
which fails offline). The median must be 8 or lower and no string above 12. A condition name
with its plain-words gloss may be set aside, by name, with the reason.
"""

from __future__ import annotations

import importlib.metadata
import statistics

import pytest
import textstat

from spinerules.catalogue import patient_texts
from spinerules.registry import default_rule_base

MEDIAN_MAX = 8.0
STRING_MAX = 12.0
#: ``name -> why``: only a condition name whose plain-words gloss is already there.
SET_ASIDE: dict[str, str] = {}

TEXTS = patient_texts(default_rule_base())


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(text))


def test_textstat_is_the_pinned_release_and_measures_as_expected() -> None:
    assert importlib.metadata.version("textstat") == "0.7.3"
    # The measure itself behaves: plain words score low, dense jargon high.
    assert grade("Go to the doctor today. Bring a list of your pills.") < 6
    assert (
        grade(
            "Interferential electrotherapeutic stimulation contraindications necessitate consultation."
        )
        > 12
    )


def test_every_kind_of_patient_text_is_measured() -> None:
    kinds = {name.split(":")[0] for name, _ in TEXTS}
    assert {
        "red_flag",
        "watch",
        "activity",
        "advice_against",
        "card",
        "policy",
        "matched_care",
        "headline",
        "view",
        "question",
    } <= kinds
    assert all(text.strip() for _, text in TEXTS)
    assert not set(SET_ASIDE) - {name for name, _ in TEXTS}, "set-aside names must exist"


def test_median_reading_grade_is_8_or_lower() -> None:
    median = statistics.median(grade(text) for _, text in TEXTS)
    assert median <= MEDIAN_MAX, f"median Flesch–Kincaid grade {median:.1f}"


MEASURED = [(name, text) for name, text in TEXTS if name not in SET_ASIDE]


@pytest.mark.parametrize("name,text", MEASURED, ids=[name for name, _ in MEASURED])
def test_no_patient_text_is_above_grade_12(name: str, text: str) -> None:
    assert grade(text) <= STRING_MAX, f"{name}: grade {grade(text):.1f}: {text}"
