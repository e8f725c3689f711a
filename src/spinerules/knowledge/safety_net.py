"""What every assessment carries: the disclaimer, the safety-net cards and the urgent fallback.

Clinical.md sections 1, 4 and C18. Cards are data with ids, each shown by its own condition, in
the order of seriousness below; each is a short bulleted list, and a line that says "if you get
X" carries the condition "X is not already answered yes" (C17), because a person who has X needs
the action, not a warning about it.
"""

from __future__ import annotations

from ..conditions import AnyOf, Condition, Is, IsNot, Unknown
from ..levels import Urgency
from ..rules import ConditionalText, SafetyNetCard, cite
from ..thresholds import Thresholds
from .common import CES_EVIDENCE

DISCLAIMER = (
    "spinerules is decision support, not a diagnosis and not a medical device: "
    "it does not replace a clinician's assessment."
)

#: Section 4, "Every urgent action": appended to the lead action of an urgent assessment.
URGENT_FALLBACK = (
    "If you cannot be seen today, call NHS 111 or your doctor's out-of-hours line, or go to an "
    "urgent care centre. If you get worse, go to an emergency department or call emergency "
    "services."
)
#: Principle 1: said only at urgent, and withheld as ``KEEP_MOVING_WITHHELD`` says.
KEEP_MOVING = "Until then, keep moving gently as comfort allows."
#: Section 4: no "keep moving" when a flag of these families is at urgent or above ...
KEEP_MOVING_WITHHELD_FAMILIES = frozenset({"fracture"})
#: ... or when the person cannot walk (unknown walking is not "cannot walk").
KEEP_MOVING_WHEN: Condition = AnyOf((IsNot("can_walk_minutes", 0), Unknown("can_walk_minutes")))

#: C12: a reviewed watch item's advice does not claim what it cannot know.
REVIEWED_ADVICE = (
    "If a clinician has already checked this, follow their plan. If it is new since then, or "
    "getting worse, see them again."
)
#: Section 3: the advice of a soon flag a clinician has cleared.
CLEARED_ADVICE = (
    "A clinician has checked this and cleared you to exercise. Come back if it changes."
)

_NOT_EMERGENCY = (Urgency.URGENT, Urgency.SOON, Urgency.SELF_CARE)
_ALL = tuple(Urgency)


def _unless(key: str) -> Condition:
    """The line is said unless the answer is already yes (unknown: said)."""
    return AnyOf((Is(key, False), Unknown(key)))


def cards(t: Thresholds) -> list[SafetyNetCard]:
    return [
        SafetyNetCard(
            id="cauda_equina_signs",
            title="Go to an emergency department at once if you get any of these:",
            items=(
                ConditionalText(
                    "numbness around your bottom, genitals or inner thighs",
                    _unless("saddle_anaesthesia"),
                ),
                ConditionalText(
                    "new trouble peeing, or not feeling when you pee",
                    _unless("urinary_retention"),
                ),
                ConditionalText(
                    "new leaking of pee that you cannot control", _unless("urinary_incontinence")
                ),
                ConditionalText("loss of control of your bowels", _unless("faecal_incontinence")),
                ConditionalText(
                    "new loss of feeling in your genitals, or loss of erections",
                    _unless("sexual_dysfunction_new"),
                ),
                ConditionalText("weakness or numbness in both legs"),
                ConditionalText("any of these getting worse"),
            ),
            tiers=_NOT_EMERGENCY,
            evidence=CES_EVIDENCE,
        ),
        SafetyNetCard(
            id="cord_compression_signs",
            title=(
                "Go to an emergency department now (or call your acute oncology service if you "
                "have one) if you get:"
            ),
            items=(
                ConditionalText("pain in your upper or middle back that is getting worse"),
                ConditionalText("a band of pain around your chest or tummy"),
                ConditionalText("pain that wakes you, or is much worse lying flat"),
                ConditionalText("new numbness, heaviness or weakness in your legs"),
                ConditionalText("unsteady walking"),
                ConditionalText("problems with your bladder or bowels"),
            ),
            tiers=_NOT_EMERGENCY,
            families=("malignancy",),
            evidence=(cite("nice_ng234"), cite("ifompt2020")),
        ),
        SafetyNetCard(
            id="cancer_signs",
            title="See a doctor the same day if:",
            items=(
                ConditionalText(
                    "you have had cancer and get new back pain with leg problems, upper back "
                    "pain, night pain or constant pain"
                ),
                ConditionalText("you are losing weight without trying"),
            ),
            tiers=_NOT_EMERGENCY,
            screen_incomplete=True,
            evidence=(cite("nice_ng234"), cite("nice_cks_lbp")),
        ),
        SafetyNetCard(
            id="sepsis_signs",
            title="Call emergency services if you:",
            items=(
                ConditionalText("feel very unwell, confused or very sleepy"),
                ConditionalText("are short of breath or breathing fast"),
                # fever includes shaking chills (section 2): not said to a person who has them.
                ConditionalText("have shaking chills", _unless("fever")),
                ConditionalText("have skin that is blotchy, very pale or blue"),
            ),
            tiers=_NOT_EMERGENCY,
            families=("infection",),
            evidence=(cite("yusuf2019"), cite("nice_cks_lbp")),
        ),
        SafetyNetCard(
            id="infection_signs",
            title="See a doctor the same day if you get:",
            items=(
                ConditionalText(
                    "a fever of 38 °C or more, or shaking chills, with back pain", _unless("fever")
                ),
            ),
            tiers=_NOT_EMERGENCY,
            screen_incomplete=True,
            evidence=(cite("yusuf2019"), cite("nice_cks_lbp")),
        ),
        SafetyNetCard(
            id="fracture_signs",
            title="See a doctor the same day if:",
            items=(
                ConditionalText("the pain suddenly gets much worse"),
                ConditionalText("the shape of your back changes"),
                ConditionalText("new numbness or weakness starts in your legs"),
            ),
            tiers=_NOT_EMERGENCY,
            families=("fracture",),
            evidence=(cite("downie2013"), cite("nice_cks_lbp")),
        ),
        SafetyNetCard(
            id="maternity_signs",
            title="Pregnancy: call your maternity unit now if you:",
            items=(
                ConditionalText("are bleeding from the vagina"),
                ConditionalText("are leaking fluid"),
                ConditionalText("have tightenings or pains that come and go (contractions)"),
                ConditionalText("feel your baby moving less than usual"),
            ),
            tiers=_ALL,
            when=Is("pregnant", True),
            evidence=(cite("gponline_pregnancy_red_flags"), cite("nice_cks_lbp")),
        ),
        SafetyNetCard(
            id="not_improving",
            title="See your doctor if:",
            items=(
                ConditionalText("the pain is not getting better after 4 to 6 weeks"),
                ConditionalText("it keeps getting worse"),
                ConditionalText("new symptoms start"),
            ),
            tiers=(Urgency.SOON, Urgency.SELF_CARE),
            evidence=(cite("nice_cks_lbp"), cite("nice_ng59")),
        ),
        SafetyNetCard(
            id="emergency_help",
            title="If you cannot get to an emergency department quickly:",
            items=(
                ConditionalText(
                    "call emergency services: 999 in the UK, 911 in the US, 112 in the EU"
                ),
                ConditionalText("do the same if you get worse on the way"),
            ),
            tiers=(Urgency.EMERGENCY,),
            evidence=(cite("nice_cks_lbp"),),
        ),
    ]
