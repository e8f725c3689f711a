"""Pregnancy (clinical.md section 4, family ``pregnancy``).

Back pain is common in pregnancy, but severe, sudden or unusual back pain, or back pain with
tummy pain, needs the maternity team the same day: preterm labour, placental abruption and
kidney infection can present this way. The maternity card (``safety_net``) goes to every
pregnant person, at every tier.
"""

from __future__ import annotations

from ..conditions import any_yes, yes
from ..levels import Urgency
from ..rules import RedFlag, cite
from ..thresholds import Thresholds

FAMILY = "pregnancy"
EVIDENCE = (cite("gponline_pregnancy_red_flags"), cite("nice_cks_lbp"))


def red_flags(t: Thresholds) -> list[RedFlag]:
    return [
        RedFlag(
            id="pregnancy_acute_pain",
            family=FAMILY,
            title="Severe or sudden back pain, or tummy pain, in pregnancy",
            tier=Urgency.URGENT,
            action="Contact your maternity unit or midwife today: in pregnancy, this kind of pain needs to be checked the same day. Go now if you are bleeding, leaking fluid, have regular tightenings or contractions, or your baby is moving less.",
            condition=yes("pregnant")
            & any_yes("abdominal_pain", "sudden_severe_onset", "unrelenting_pain"),
            evidence=EVIDENCE,
        )
    ]
