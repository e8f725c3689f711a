"""Treatments the guidelines advise against, per profile (clinical.md section 7).

Under ``acp`` no NICE "do not" may appear: ACP offers acupuncture, manipulation and massage,
and duloxetine and tramadol second-line, so the profiles are kept strictly apart.
"""

from __future__ import annotations

from ..conditions import IsNot
from ..rules import AdviceAgainst, cite
from ..thresholds import Thresholds

_NG59 = (cite("nice_ng59"),)
_LBP = "low_back_pain"
_SCIATICA = "sciatica"

_NICE_LBP = (
    (
        "nice_no_routine_imaging",
        "Do not have routine imaging (X-ray, MRI) without a red flag: it does not change treatment.",
    ),
    ("nice_no_belts_corsets", "Do not use belts or corsets for back pain."),
    ("nice_no_foot_orthotics", "Do not use foot orthotics for back pain."),
    ("nice_no_rocker_sole_shoes", "Do not use rocker-sole shoes for back pain."),
    ("nice_no_traction", "Do not have traction for back pain."),
    ("nice_no_acupuncture", "Do not have acupuncture for back pain."),
    (
        "nice_no_electrotherapy",
        "Do not have ultrasound, TENS, PENS or interferential therapy for back pain.",
    ),
    ("nice_no_paracetamol_alone", "Do not rely on paracetamol alone for back pain."),
    ("nice_no_opioids_chronic", "Do not use opioids for chronic back pain."),
    (
        "nice_no_antidepressants",
        "Do not use SSRIs, SNRIs or tricyclic antidepressants for back pain.",
    ),
    ("nice_no_anticonvulsants", "Do not use anticonvulsants for back pain."),
)
_NICE_SCIATICA = (
    (
        "nice_sciatica_no_gabapentinoids",
        "Do not use gabapentinoids or other antiepileptics for sciatica.",
    ),
    ("nice_sciatica_no_oral_corticosteroids", "Do not use oral corticosteroids for sciatica."),
    ("nice_sciatica_no_benzodiazepines", "Do not use benzodiazepines for sciatica."),
    ("nice_sciatica_no_opioids_chronic", "Do not use opioids for chronic sciatica."),
)


def advice_against(t: Thresholds) -> list[AdviceAgainst]:
    sciatica = IsNot("leg_pain", "none")
    items = [
        AdviceAgainst(
            rule_id,
            "nice",
            _LBP,
            text,
            _NG59,
            withheld_when_red_flag=rule_id == "nice_no_routine_imaging",
        )
        for rule_id, text in _NICE_LBP
    ]
    items += [
        AdviceAgainst(rule_id, "nice", _SCIATICA, text, _NG59, applies_when=sciatica)
        for rule_id, text in _NICE_SCIATICA
    ]
    items += [
        AdviceAgainst(
            "acp_no_routine_imaging",
            "acp",
            _LBP,
            "Do not have imaging for non-specific back pain without a red flag: it does not improve outcomes.",
            (cite("chou2011_acp_imaging"),),
            withheld_when_red_flag=True,
        ),
        AdviceAgainst(
            "acp_opioids_last_resort",
            "acp",
            _LBP,
            "Consider opioids only after other treatments have failed, and only if the benefits outweigh the risks.",
            (cite("acp2017"),),
        ),
    ]
    return items
