"""JSON Schemas (2020-12) of what this service sends and accepts, written from the CDS Hooks
2.0 specification's tables (https://cds-hooks.hl7.org/2.0/): no official schema or validator
exists, so these are ours, and the tests check every response against them and replay the
specification's own examples through them.

Section references are to the 2.0 text. "JSON elements SHALL NOT be null ... SHALL NOT be
empty, unless otherwise specified" ("Use of JSON") is why strings have ``minLength: 1`` and
optional arrays ``minItems: 1`` (``cards`` may be empty: "an empty array of cards").
``extension`` is allowed on every object ("Extensions").
"""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string", "minLength": 1}
_URL = {"type": "string", "pattern": "^https?://"}
_EXT = {"extension": {"type": "object"}}


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": {**properties, **_EXT},
        "additionalProperties": False,
    }


_DEFS: dict[str, Any] = {
    # "Data Types", Coding: code and system REQUIRED; display CONDITIONAL (REQUIRED for
    # override reasons provided by the service: see overrideReason below).
    "Coding": _object(["code", "system"], {"code": _STRING, "system": _STRING, "display": _STRING}),
    # "Card Attributes", Source: label REQUIRED; url, icon, topic OPTIONAL.
    "Source": _object(
        ["label"],
        {"label": _STRING, "url": _URL, "icon": _URL, "topic": {"$ref": "#/$defs/Coding"}},
    ),
    # "Link": label, url, type (absolute | smart) REQUIRED; appContext only for smart links.
    "Link": {
        **_object(
            ["label", "url", "type"],
            {
                "label": _STRING,
                "url": _URL,
                "type": {"enum": ["absolute", "smart"]},
                "appContext": _STRING,
            },
        ),
        "if": {"properties": {"type": {"const": "absolute"}}},
        "then": {"not": {"required": ["appContext"]}},
    },
    # "Action": type (create | update | delete) and description REQUIRED; resource for
    # create/update; resourceId SHOULD be given for delete.
    "Action": {
        **_object(
            ["type", "description"],
            {
                "type": {"enum": ["create", "update", "delete"]},
                "description": _STRING,
                "resource": {"type": "object", "required": ["resourceType"]},
                "resourceId": _STRING,
            },
        ),
        "allOf": [
            {
                "if": {"properties": {"type": {"enum": ["create", "update"]}}},
                "then": {"required": ["resource"]},
            }
        ],
    },
    # "Suggestion": label REQUIRED; uuid, isRecommended, actions OPTIONAL.
    "Suggestion": _object(
        ["label"],
        {
            "label": _STRING,
            "uuid": _STRING,
            "isRecommended": {"type": "boolean"},
            "actions": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Action"}},
        },
    ),
    # "Card Attributes": summary (<140 characters), indicator, source REQUIRED;
    # selectionBehavior (at-most-one | any) REQUIRED when suggestions are present.
    "Card": {
        **_object(
            ["summary", "indicator", "source"],
            {
                "uuid": _STRING,
                "summary": {"type": "string", "minLength": 1, "maxLength": 139},
                "detail": _STRING,
                "indicator": {"enum": ["info", "warning", "critical"]},
                "source": {"$ref": "#/$defs/Source"},
                "suggestions": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": "#/$defs/Suggestion"},
                },
                "selectionBehavior": {"enum": ["at-most-one", "any"]},
                "overrideReasons": {
                    "type": "array",
                    "minItems": 1,
                    # "If override reasons are present, the CDS Service MUST populate a display"
                    "items": {"allOf": [{"$ref": "#/$defs/Coding"}, {"required": ["display"]}]},
                },
                "links": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/Link"}},
            },
        ),
        "dependentRequired": {"suggestions": ["selectionBehavior"]},
    },
}

#: "CDS Service Response", "HTTP Response": cards REQUIRED (may be empty), systemActions OPTIONAL.
RESPONSE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://spinerules.dev/cds/schema/response.json",
    "title": "CDS Hooks 2.0 service response",
    **_object(
        ["cards"],
        {
            "cards": {"type": "array", "items": {"$ref": "#/$defs/Card"}},
            "systemActions": {
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/Action"},
            },
        },
    ),
    "$defs": _DEFS,
}

#: "Discovery", "Response": services; each hook, description, id REQUIRED, title RECOMMENDED,
#: prefetch OPTIONAL (key -> query string).
DISCOVERY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://spinerules.dev/cds/schema/discovery.json",
    "title": "CDS Hooks 2.0 discovery response",
    **_object(
        ["services"],
        {
            "services": {
                "type": "array",
                "items": _object(
                    ["hook", "description", "id"],
                    {
                        "hook": _STRING,
                        "title": _STRING,
                        "description": _STRING,
                        "id": {"type": "string", "pattern": "^[A-Za-z0-9._~-]+$"},
                        "prefetch": {"type": "object", "additionalProperties": _STRING},
                        "usageRequirements": _STRING,
                    },
                ),
            }
        },
    ),
}

#: "Feedback": card, outcome (accepted | overridden), outcomeTimestamp REQUIRED;
#: acceptedSuggestions required for accepted; overrideReason (reason Coding, userComment).
FEEDBACK_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://spinerules.dev/cds/schema/feedback.json",
    "title": "CDS Hooks 2.0 feedback request",
    **_object(
        ["feedback"],
        {
            "feedback": {
                "type": "array",
                "minItems": 1,
                "items": {
                    **_object(
                        ["card", "outcome", "outcomeTimestamp"],
                        {
                            "card": _STRING,
                            "outcome": {"enum": ["accepted", "overridden"]},
                            "acceptedSuggestions": {
                                "type": "array",
                                "minItems": 1,
                                "items": _object(["id"], {"id": _STRING}),
                            },
                            "overrideReason": _object(
                                [],
                                {"reason": {"$ref": "#/$defs/Coding"}, "userComment": _STRING},
                            ),
                            "outcomeTimestamp": _STRING,
                        },
                    ),
                    "if": {"properties": {"outcome": {"const": "accepted"}}},
                    "then": {"required": ["acceptedSuggestions"]},
                },
            }
        },
    ),
    "$defs": {"Coding": _DEFS["Coding"]},
}
