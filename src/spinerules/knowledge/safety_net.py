"""Wording every assessment carries: the disclaimer and the safety-net (clinical.md sections 1, 4)."""

from __future__ import annotations

DISCLAIMER = (
    "spinerules is decision support, not a diagnosis and not a medical device: "
    "it does not replace a clinician's assessment."
)

CES_WARNING_SIGNS = (
    "Go to an emergency department at once if you get numbness around your back passage, "
    "genitals or inner thighs; new trouble passing urine or not feeling it pass; new leaking of "
    "urine or loss of bowel control; new loss of sexual sensation; or weakness or numbness in "
    "both legs (cauda equina warning signs)."
)
CANCER_WARNING_SIGNS = (
    "See a doctor the same day if you have had cancer and get new back pain with leg symptoms, "
    "pain in the upper back, pain at night, or constant pain; or if you lose weight without trying."
)
INFECTION_WARNING_SIGNS = "See a doctor the same day if you get a fever of 38 °C or more or shaking chills with back pain."
EMERGENCY = (
    "If you cannot get to an emergency department quickly, or you get worse on the way, call "
    "emergency services (999 in the UK, 911 in the US, 112 in the EU)."
)
GENERAL = (
    "See a doctor if the pain is not improving after 4 to 6 weeks, keeps getting worse, or new "
    "symptoms start."
)
SCREEN_INCOMPLETE = (
    "Some safety questions were not answered, so no exercise plan is given yet: please answer "
    "them (listed under unanswered), or ask a clinician to review you."
)
