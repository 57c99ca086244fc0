"""The declaration's JSON schemas for the OpenAPI document, derived from the field
table (``declarations/fields.py``): what a client sends, and what the API answers."""

from __future__ import annotations

from typing import Any

from ..declarations import fields, lifecycle
from ..declarations.fields import Field
from ..declarations.issues import MESSAGES

UUID = {"type": "string", "format": "uuid"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}]}


def _by_kind(f: Field) -> dict[str, Any]:
    if f.kind == "uuid":
        return dict(UUID)
    if f.kind == "moment":
        return dict(DATETIME)
    if f.kind == "day":
        return dict(DATE)
    if f.kind == "bool":
        return {"type": "boolean"}
    if f.kind == "email":
        return {"type": "string", "format": "email"}
    # Nationalities also accept ICAO aliases outside the list (D for DEU): described.
    if f.kind == "code" and f.normalise != "nationality":
        return {"type": "string", "enum": sorted(f.code_list)}
    schema: dict[str, Any] = {"type": "string"}
    if f.pattern:
        schema["pattern"] = f.pattern
    else:
        schema["maxLength"] = f.max_length
    return schema


def field_schema(f: Field) -> dict[str, Any]:
    schema = _by_kind(f)
    if f.description:
        schema["description"] = f.description
    # A boolean may be left out (false) but not sent as null.
    return nullable(schema) if f.nullable and f.kind != "bool" else schema


EXAMPLE = {f.name: f.example for f in fields.FIELDS if f.example is not None}

ISSUE = {
    "type": "object",
    "properties": {
        "field": {"type": "string"},
        "code": {"type": "string", "enum": sorted(MESSAGES)},
        "message": {"type": "string", "description": "Translated (Accept-Language)."},
        "params": {
            "type": "object",
            "description": "The values in the message, to render it in another language.",
        },
    },
    "required": ["field", "code", "message"],
}

RECEIPT_CODE = {
    "type": "string",
    "description": (
        "The receipt's signed code, what its QR code carries: "
        "LT2|<key id>|R|<receipt>|<id>|<establishment>|<police unit>|<received>|1|<last 4 "
        "of the document>, a dot, and the Ed25519 signature (base64url) by the key of that "
        "id, published at /receipts/keys.json. Apps draw the QR code from it offline."
    ),
}

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "array", "items": ISSUE},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
    "example": {"error": {"code": "not_authenticated", "message": "Please sign in.", "fields": []}},
}


STATES = ["received", "confirmed", "returned", "checked_out", "cancelled"]


def declaration_input() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {f.name: field_schema(f) for f in fields.FIELDS},
        "required": [f.name for f in fields.FIELDS if f.required is True],
        "additionalProperties": False,
        "example": EXAMPLE,
    }


def declaration_output() -> dict[str, Any]:
    """A stored declaration: its fields as cleaned, and what the server adds."""
    added: dict[str, Any] = {
        "receipt_number": {"type": "string"},
        "receipt_code": RECEIPT_CODE,
        "state": {"type": "string", "enum": STATES},
        "review_state": {"type": "string", "enum": ["new", "confirmed", "returned", "escalated"]},
        "stay_status": {"type": "string", "enum": ["in_house", "checked_out", "cancelled"]},
        "review_reason": nullable({"type": "string"}),
        "establishment_id": {"type": "integer"},
        "received_at": DATETIME,
        "clock_skew_seconds": {"type": "integer"},
        "departed_at": nullable(DATETIME),
        "cancel_reason": nullable({"type": "string"}),
        "revision": {"type": "integer"},
        "warnings": {"type": "array", "items": ISSUE},
        "change_seq": {"type": "integer"},
        "decision": nullable(
            {
                "type": "object",
                "description": "The police's latest decision, to rate (POST …/rating).",
                "properties": {
                    "id": {"type": "integer"},
                    "action": {"type": "string", "enum": list(lifecycle.DECISIONS)},
                    "at": DATETIME,
                    "rated": {"type": "boolean"},
                },
                "required": ["id", "action", "at", "rated"],
            }
        ),
    }
    return {
        "type": "object",
        "properties": {**{f.name: field_schema(f) for f in fields.FIELDS}, **added},
        "required": [*fields.NAMES, *added],
    }
