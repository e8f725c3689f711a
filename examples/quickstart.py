"""Assess four people (two emergencies, a sciatica, a chronic case) and print each result.

Run: python examples/quickstart.py   (or: python3 tasks.py demo)
"""

from __future__ import annotations

import json
from pathlib import Path

import spinerules
from spinerules.formats.text import render_text

PATIENTS = Path(__file__).parent / "patients"

for name in ("emergency_cauda_equina", "sudden_pain_at_68", "sciatica", "chronic"):
    answers = json.loads((PATIENTS / f"{name}.json").read_text())
    assessment = spinerules.assess(answers)
    print(f"===== {name} =====")
    print(render_text(assessment))
