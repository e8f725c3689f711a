"""JSON: the ``Assessment.to_dict()`` contract, validated by ``assessment_schema()``."""

from __future__ import annotations

import json

from ..assessment import Assessment


def render_json(assessment: Assessment, *, indent: int | None = 2) -> str:
    return json.dumps(assessment.to_dict(), indent=indent, ensure_ascii=False) + "\n"
