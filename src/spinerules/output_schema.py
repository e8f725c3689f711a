"""The published JSON Schema (2020-12) of ``Assessment.to_dict()``: the output contract.

Consumers validate against it; the test suite validates every generated assessment against it.
"""

from __future__ import annotations

from typing import Any

from .assessment import SCHEMA_VERSION, SECTIONS
from .fields import ASKED_OF
from .levels import Grade, Timeframe, Urgency
from .rules import KINDS

_NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
_INPUTS: dict[str, Any] = {
    "type": "object",
    "description": "the answers (fact keys) the rule matched, with their values",
}


def _obj(properties: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "required": sorted(properties),
        "additionalProperties": False,
        "properties": properties,
    }


def assessment_schema() -> dict[str, Any]:
    evidence = _obj(
        {
            "id": {"type": "string"},
            "grade": {
                "enum": [g.value for g in Grade] + [None],
                "description": "grade for this claim",
            },
            "citation": {"type": "string"},
            "doi": _NULLABLE_STR,
        },
        "a source behind a claim",
    )
    evidence_list = {"type": "array", "items": {"$ref": "#/$defs/evidence"}}
    red_flag = _obj(
        {
            "id": {"type": "string"},
            "family": {"type": "string"},
            "urgency": {"enum": [u.value for u in Urgency if u is not Urgency.SELF_CARE]},
            "timeframe": {"enum": [t.value for t in Timeframe]},
            "title": {"type": "string"},
            "action": {"type": "string"},
            "limits_plan": {
                "type": "boolean",
                "description": "a serious-cause flag: while listed, the plan is stay_active and walking only",
            },
            "inputs": _INPUTS,
            "evidence": {**evidence_list, "minItems": 1},
        },
        "a red flag that fired",
    )
    watch = _obj(
        {
            "id": {"type": "string"},
            "family": {"type": "string"},
            "title": {"type": "string"},
            "advice": {"type": "string"},
            "reviewed": {"type": "boolean"},
            "cleared": {"type": "boolean", "description": "a soon red flag a clinician cleared"},
            "inputs": _INPUTS,
            "evidence": evidence_list,
        },
        "a watch item with its safety-net advice",
    )
    recommendation = _obj(
        {
            "id": {"type": "string", "description": "the activity id"},
            "name": {"type": "string"},
            "kind": {"enum": list(KINDS)},
            "section": {
                "enum": list(SECTIONS),
                "description": "advice (advice and comfort), choose (the exercises to choose one or two from) or other (other options)",
            },
            "reason": {"type": "string"},
            "dose": {"type": "string"},
            "progression": {"type": "string"},
            "cautions": {"type": "array", "items": {"type": "string"}},
            "framing": _NULLABLE_STR,
            "grade": {"enum": [g.value for g in Grade] + [None]},
            "preferred": {"type": "boolean"},
            "inputs": _INPUTS,
            "evidence": {**evidence_list, "minItems": 1},
        },
        "a recommended activity or piece of advice",
    )
    startback = _obj(
        {
            "risk": {"enum": ["low", "medium", "high"]},
            "total": {"type": "integer", "minimum": 0, "maximum": 9},
            "subscale": {"type": "integer", "minimum": 0, "maximum": 5},
            "matched_care": _NULLABLE_STR,
            "credit": {"type": "string"},
        },
        "STarT Back risk (© Keele University)",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://spinerules.dev/schema/assessment.json",
        "title": "spinerules Assessment",
        **_obj(
            {
                "schema_version": {"const": SCHEMA_VERSION},
                "urgency": {"enum": [u.value for u in Urgency]},
                "screen_complete": {"type": "boolean"},
                "red_flags": {"type": "array", "items": red_flag},
                "watch": {"type": "array", "items": watch},
                "startback": {"oneOf": [startback, {"type": "null"}]},
                "recommendations": {"type": "array", "items": recommendation},
                "advice_against": {
                    "type": "array",
                    "items": _obj(
                        {
                            "id": {"type": "string"},
                            "profile": {"type": "string"},
                            "scope": {"type": "string"},
                            "text": {"type": "string"},
                            "note": _NULLABLE_STR,
                            "evidence": {**evidence_list, "minItems": 1},
                        },
                        "a treatment the profile's guideline advises against",
                    ),
                },
                "unanswered": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                "questions": {
                    "type": "array",
                    "items": _obj(
                        {
                            "id": {"type": "string", "description": "the field id"},
                            "text": {"type": "string", "minLength": 1},
                            "asked_of": {"enum": list(ASKED_OF)},
                        },
                        "an unanswered question in lay wording (the same list as unanswered)",
                    ),
                },
                "disclaimer": _obj(
                    {
                        "text": {"type": "string", "minLength": 1},
                        "safety_net": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "id": {"type": "string"},
                                    "title": {"type": "string", "minLength": 1},
                                    "items": {
                                        "type": "array",
                                        "items": {"type": "string"},
                                        "minItems": 1,
                                    },
                                },
                                "a safety-net card: a short bulleted list",
                            ),
                        },
                    },
                    "decision support, not a diagnosis; what to do if things change",
                ),
                "trace": {
                    "type": "array",
                    "items": _obj(
                        {
                            "rule": {"type": "string"},
                            "kind": {"type": "string"},
                            "check": _NULLABLE_STR,
                            "text": {"type": "string"},
                            "inputs": _INPUTS,
                        },
                        "one reasoning step",
                    ),
                },
                "ruleset": _obj(
                    {
                        "version": {"type": "string"},
                        "hash": {"type": "string"},
                        "engine": {"enum": ["durable", "python"]},
                        "profile": {"type": "string"},
                        "thresholds": {"type": "object"},
                        "plugins_dropped": {
                            "type": "array",
                            "description": "installed plugins left out of the rule base, and why (since 2.1)",
                            "items": _obj(
                                {
                                    "name": {"type": "string", "minLength": 1},
                                    "stage": {
                                        "type": "string",
                                        "description": "import, hooks, a hook name, validation or compile",
                                    },
                                    "reason": {"type": "string"},
                                },
                                "a plugin that was dropped",
                            ),
                        },
                    },
                    "which rules, thresholds, engine and plugins produced this",
                ),
            },
            "The JSON contract of Assessment.to_dict(). Decision support, not a diagnosis.",
        ),
        "$defs": {"evidence": evidence},
    }
