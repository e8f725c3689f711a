"""Write the printable HTML handout for the chronic back pain example patient.

Run: python examples/write_handout.py [path]   (default: handout.html)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import spinerules
from spinerules.api import render

patient = Path(__file__).parent / "patients" / "chronic.json"
target = Path(sys.argv[1] if len(sys.argv) > 1 else "handout.html")

assessment = spinerules.assess(json.loads(patient.read_text(encoding="utf-8")))
target.write_text(render(assessment, "html"), encoding="utf-8")
print(target)
