"""The declaration's JSON schemas for the OpenAPI document, derived from the field
table (``declarations/fields.py``): what a client sends, and what the API answers."""

from __future__ import annotations

from typing import Any

from ..declarations import fields, lifecycle
from ..declarations.fields import Field
from ..declarations.issues import MESSAGES

UUID = {"type": "string", "format": "uuid"}
# The checks take dates of years 1800-2999 (rules.YEARS) that Python's ISO parser reads:
# the document says exactly that, as patterns (a date's also knows month lengths and leap
# years, so tools that generate from it make only real dates).
_YEAR = "(1[89]|2[0-9])[0-9]{2}"
_MONTH_DAY = "(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31"
_LEAP = "(1[89]|2[0-9])(0[48]|[2468][048]|[13579][26])|2000|2400|2800"
_DAY = f"(?:{_YEAR}-(?:{_MONTH_DAY})|(?:{_LEAP})-02-29)"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?"
_OFFSET = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DATE = {"type": "string", "format": "date", "pattern": f"^{_DAY}$"}
DATETIME = {
    "type": "string",
    "pattern": f"^{_DAY}[Tt]{_TIME}{_OFFSET}?$",
    "description": "ISO 8601 date and time, years 1800-2999; without an offset it is "
    "Vietnam's wall-clock time (UTC+7).",
}


# Not blank: some character outside what Python's str.strip() and JavaScript's \s both
# take for space. The same pattern, in both languages, for the server and the document.
NOT_BLANK = "[^\\s\\u001c-\\u001f\\u0085\\ufeff]"


def obj(properties: dict[str, Any], *optional: str, **extra: Any) -> dict[str, Any]:
    """An object schema whose properties are all present in answers, but ``optional``."""
    required = [name for name in properties if name not in optional]
    return {"type": "object", "properties": properties, "required": required, **extra}


ANY_OBJECT: dict[str, Any] = {"type": "object"}


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


def declaration_input(*, with_id: bool = True) -> dict[str, Any]:
    """What a client sends: in a batch with its id; for a correction (PUT) without, as the
    path names the record (an id equal to the path's is tolerated, any other refused)."""
    chosen = [f for f in fields.FIELDS if with_id or f.name != "id"]
    return {
        "type": "object",
        "properties": {f.name: field_schema(f) for f in chosen},
        "required": [f.name for f in chosen if f.required is True],
        "additionalProperties": False,
        "example": {k: v for k, v in EXAMPLE.items() if with_id or k != "id"},
    }


BATCH_RESULT = obj(
    {
        "id": nullable(UUID),
        "result": {"type": "string", "enum": ["created", "duplicate", "conflict", "invalid"]},
        "receipt_number": nullable({"type": "string", "example": "7KQ4-M9XZ-2A"}),
        "receipt_code": nullable(RECEIPT_CODE),
        "state": nullable({"type": "string", "enum": STATES}),
        "warnings": {"type": "array", "items": ISSUE},
        "errors": {"type": "array", "items": ISSUE},
    }
)

# The batch takes any JSON values as its items and checks each on its own: one that is
# not a valid DeclarationInput is answered "invalid" in its result, the others are kept.
BATCH_ITEM = {
    "description": "A DeclarationInput (see there). Each item is checked on its own: an "
    "invalid one gets result 'invalid' with its errors, and does not stop the others.",
}

TOKEN_REQUEST = {
    "schema": obj(
        {
            "username": {"type": "string"},
            "password": {"type": "string"},
            "token_name": {"type": "string"},
            "code": {
                "type": "string",
                "description": "the authenticator app's 6-digit code or a recovery code, "
                "when two-factor sign-in is on (else 401 second_factor_required)",
            },
        },
        "token_name",
        "code",
    ),
    "example": {"username": "owner.hk", "password": "…"},
}

TOKEN_ANSWER = obj(
    {
        "access_token": {"type": "string"},
        "token_type": {"const": "bearer"},
        "expires_in": {"type": "integer"},
        "token": ANY_OBJECT,
        "user": ANY_OBJECT,
    }
)


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


# The bodies of a record's smaller operations.
CHECKOUT_BODY = {
    "schema": {
        "type": "object",
        "properties": {
            "departed_at": nullable(DATETIME) | {"description": "Left out or null: now."}
        },
    },
    "example": {"departed_at": "2026-11-25T11:00:00+07:00"},
}

CANCEL_BODY = {
    "schema": {
        "type": "object",
        "properties": {
            "reason": {
                "type": "string",
                "minLength": 1,
                "maxLength": 500,
                "pattern": NOT_BLANK,
            }
        },
        "required": ["reason"],
    },
    "example": {"reason": "Guest did not arrive"},
}

RATING_BODY = {
    "schema": {
        "type": "object",
        "properties": {
            "decision_id": {
                "type": "integer",
                "minimum": -(2**63),
                "maximum": 2**63 - 1,
                "description": "decision.id of the declaration",
            },
            "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "comment": nullable({"type": "string", "maxLength": 1000}),
        },
        "required": ["decision_id", "rating"],
    },
    "example": {"decision_id": 42, "rating": 5, "comment": "Quick."},
}
