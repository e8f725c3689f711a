"""Treatments the guidelines advise against, per profile (clinical.md section 7).

Under ``acp`` no NICE "do not" may appear: ACP offers acupuncture, manipulation and massage,
and duloxetine and tramadol second-line, so the profiles are kept strictly apart.
"""

from __future__ import annotations

from ..conditions import AnyOf, Is, IsNot, Unknown
from ..rules import AdviceAgainst, cite
from ..thresholds import Thresholds

_NG59 = (cite("nice_ng59"),)
_LBP = "low_back_pain"
_SCIATICA = "sciatica"

#: Section 7, wording for the person: NICE's "do not offer" is advice to prescribers, and a
#: person reads it as an order, so treatments say why and medicines carry ``STOP_NOTE``.
_UNPROVEN = ": it has not been shown to help."
STOP_NOTE = (
    "Do not stop a medicine you already take without talking to the person who prescribed it."
)
_NICE_LBP_TREATMENTS = (
    (
        "nice_no_routine_imaging",
        "Doctors do not recommend an X-ray or MRI scan for back pain without a warning sign"
        + _UNPROVEN,
    ),
    (
        "nice_no_belts_corsets",
        "Doctors do not recommend belts or corsets for back pain" + _UNPROVEN,
    ),
    ("nice_no_foot_orthotics", "Doctors do not recommend shoe insoles for back pain" + _UNPROVEN),
    (
        "nice_no_rocker_sole_shoes",
        "Doctors do not recommend rocker-sole shoes for back pain" + _UNPROVEN,
    ),
    ("nice_no_traction", "Doctors do not recommend traction for back pain" + _UNPROVEN),
    ("nice_no_acupuncture", "Doctors do not recommend acupuncture for back pain" + _UNPROVEN),
    (
        "nice_no_electrotherapy",
        "Doctors do not recommend ultrasound, TENS, PENS or interferential therapy for back pain"
        + _UNPROVEN,
    ),
)
_NICE_LBP_MEDICINES = (
    ("nice_no_paracetamol_alone", "Doctors do not recommend paracetamol on its own for back pain."),
    (
        "nice_no_opioids_chronic",
        "Doctors do not recommend opioids for back pain that has lasted a long time.",
    ),
    (
        "nice_no_antidepressants",
        "Doctors do not recommend antidepressants (SSRIs, SNRIs or tricyclics) for back pain.",
    ),
    (
        "nice_no_anticonvulsants",
        "Doctors do not recommend epilepsy medicines (anticonvulsants) for back pain.",
    ),
)
_NICE_SCIATICA = (
    (
        "nice_sciatica_no_gabapentinoids",
        "Doctors do not recommend gabapentin, pregabalin or other epilepsy medicines for sciatica.",
    ),
    (
        "nice_sciatica_no_oral_corticosteroids",
        "Doctors do not recommend steroid tablets for sciatica.",
    ),
    (
        "nice_sciatica_no_benzodiazepines",
        "Doctors do not recommend calming tablets such as diazepam (benzodiazepines) for sciatica.",
    ),
    (
        "nice_sciatica_no_opioids_chronic",
        "Doctors do not recommend opioids for sciatica that has lasted a long time.",
    ),
)
#: Section 7: paracetamol is the usual first choice in pregnancy, so its "do not" is not said
#: to a pregnant person (unknown pregnancy: said).
_NOT_PREGNANT = AnyOf((Is("pregnant", False), Unknown("pregnant")))


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
        for rule_id, text in _NICE_LBP_TREATMENTS
    ]
    items += [
        AdviceAgainst(
            rule_id,
            "nice",
            _LBP,
            text,
            _NG59,
            applies_when=_NOT_PREGNANT if rule_id == "nice_no_paracetamol_alone" else None,
            note=STOP_NOTE,
        )
        for rule_id, text in _NICE_LBP_MEDICINES
    ]
    items += [
        AdviceAgainst(
            rule_id, "nice", _SCIATICA, text, _NG59, applies_when=sciatica, note=STOP_NOTE
        )
        for rule_id, text in _NICE_SCIATICA
    ]
    items += [
        AdviceAgainst(
            "acp_no_routine_imaging",
            "acp",
            _LBP,
            "Doctors do not recommend an X-ray or scan for back pain without a warning sign: it does not help you get better.",
            (cite("chou2011_acp_imaging"),),
            withheld_when_red_flag=True,
        ),
        AdviceAgainst(
            "acp_opioids_last_resort",
            "acp",
            _LBP,
            "Doctors advise opioids only after other treatments have failed, and only if the benefits outweigh the risks.",
            (cite("acp2017"),),
            note=STOP_NOTE,
        ),
    ]
    return items
