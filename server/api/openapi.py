"""``GET /api/v1/openapi.json``: an OpenAPI 3.1 description of the API, with examples.

Paths written by hand, the declaration schemas derived from the field table (schemas.py);
tested
against the routing table, so a route cannot be added without being described.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .schemas import (
    DATETIME,
    ERROR,
    EXAMPLE,
    ISSUE,
    RECEIPT_CODE,
    STATES,
    UUID,
    declaration_input,
    declaration_output,
    nullable,
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Malformed request (e.g. invalid JSON)",
        401: "Not signed in, or the token is revoked or expired",
        403: "Not allowed for this account",
        404: "Not found, or outside the caller's scope",
        409: "The record's state does not allow this",
        413: "Body over 1 MB",
        422: "Invalid input; fields lists each problem",
        429: "Too many failed sign-ins for this username or address; retry after "
        "Retry-After seconds",
        503: "Database busy or unreachable; retry after Retry-After seconds",
    }
    return {
        str(s): {
            "description": text[s],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
        for s in statuses
    }


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, ok: dict[str, Any], *errors: int, body: Any = None, **extra: Any) -> Any:
    operation: dict[str, Any] = {"summary": summary, "responses": {"200": ok, **_errors(*errors)}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": body}}
    operation.update(extra)
    return operation


def _int_path(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


PATH_ID = [{"name": "declaration_id", "in": "path", "required": True, "schema": UUID}]


@cache
def document() -> dict[str, Any]:
    declaration_out = {"type": "object", "properties": {"declaration": _ref("Declaration")}}
    result: dict[str, Any] = {
        "type": "object",
        "properties": {
            "id": nullable(UUID),
            "result": {"type": "string", "enum": ["created", "duplicate", "conflict", "invalid"]},
            "receipt_number": nullable({"type": "string", "example": "7KQ4-M9XZ-2A"}),
            "receipt_code": nullable(RECEIPT_CODE),
            "state": nullable({"type": "string", "enum": STATES}),
            "warnings": {"type": "array", "items": ISSUE},
            "errors": {"type": "array", "items": ISSUE},
        },
        "required": [
            "id",
            "result",
            "receipt_number",
            "receipt_code",
            "state",
            "warnings",
            "errors",
        ],
    }
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Foreign guest residence declarations",
            "version": "1",
            "description": (
                "Declaring foreign guests' temporary residence (Law 47/2014 Art. 33). "
                "Authenticate with POST /auth/token, then send Authorization: Bearer <token>. "
                "Messages follow Accept-Language (vi or en)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "DeclarationInput": declaration_input(),
                "Declaration": declaration_output(),
                "BatchResult": result,
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/auth/token": {
                "post": _op(
                    "Exchange a username and password for a bearer token",
                    _json(
                        {
                            "type": "object",
                            "properties": {
                                "access_token": {"type": "string"},
                                "token_type": {"const": "bearer"},
                                "expires_in": {"type": "integer"},
                            },
                        }
                    ),
                    400,
                    401,
                    403,
                    413,
                    429,
                    security=[],
                    requestBody={
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "username": {"type": "string"},
                                        "password": {"type": "string"},
                                        "token_name": {"type": "string"},
                                        "code": {
                                            "type": "string",
                                            "description": "the authenticator app's 6-digit "
                                            "code or a recovery code, when two-factor sign-in "
                                            "is on (else 401 second_factor_required)",
                                        },
                                    },
                                    "required": ["username", "password"],
                                },
                                "example": {"username": "owner.hk", "password": "…"},
                            },
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "grant_type": {"const": "password"},
                                        "username": {"type": "string"},
                                        "password": {"type": "string"},
                                        "code": {"type": "string"},
                                    },
                                    "required": ["username", "password"],
                                }
                            },
                        },
                    },
                )
            },
            "/auth/tokens": {"get": _op("The caller's tokens", _json({"type": "object"}), 401)},
            "/auth/tokens/{token_id}": {
                "delete": _op(
                    "Revoke one of the caller's tokens",
                    _json({"type": "object"}),
                    401,
                    404,
                    parameters=_int_path("token_id"),
                )
            },
            "/me": {
                "get": _op(
                    "The signed-in account (hotel accounts: establishment, check settings)",
                    _json({"type": "object"}),
                    401,
                )
            },
            "/codes": {
                "get": _op(
                    "Code lists with Vietnamese and English names",
                    _json({"type": "object"}),
                    security=[],
                )
            },
            "/establishments": {
                "get": _op("Establishments in the caller's scope", _json({"type": "object"}), 401)
            },
            "/establishments/{establishment_id}": {
                "get": _op(
                    "One establishment",
                    _json({"type": "object"}),
                    401,
                    404,
                    parameters=_int_path("establishment_id"),
                )
            },
            "/establishments/{establishment_id}/users": {
                "get": _op(
                    "Its accounts, as far as the caller may see them",
                    _json({"type": "object"}),
                    401,
                    404,
                    parameters=_int_path("establishment_id"),
                )
            },
            "/declarations/batch": {
                "post": _op(
                    "Send 1 to 200 declarations; one result per item, in order",
                    _json(
                        {
                            "type": "object",
                            "properties": {
                                "results": {"type": "array", "items": _ref("BatchResult")},
                                "server_time": DATETIME,
                            },
                        }
                    ),
                    400,
                    401,
                    403,
                    413,
                    422,
                    503,
                    body={
                        "schema": {
                            "type": "object",
                            "properties": {
                                "declarations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 200,
                                    "items": _ref("DeclarationInput"),
                                }
                            },
                            "required": ["declarations"],
                        },
                        "example": {"declarations": [EXAMPLE]},
                    },
                )
            },
            "/declarations": {
                "get": _op(
                    "Declarations changed since the cursor, oldest change first "
                    "(hotel accounts only: police read in the console, where reads are logged)",
                    _json(
                        {
                            "type": "object",
                            "properties": {
                                "declarations": {"type": "array", "items": _ref("Declaration")},
                                "next_cursor": {"type": "string"},
                                "has_more": {"type": "boolean"},
                            },
                        }
                    ),
                    400,
                    401,
                    403,
                    parameters=[
                        {
                            "name": "cursor",
                            "in": "query",
                            "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        },
                    ],
                )
            },
            "/declarations/{declaration_id}": {
                "get": _op(
                    "One declaration (hotel accounts only)",
                    _json(declaration_out),
                    401,
                    403,
                    404,
                    parameters=PATH_ID,
                ),
                "put": _op(
                    "Correct a declaration (a new revision)",
                    _json(declaration_out),
                    400,
                    401,
                    403,
                    404,
                    409,
                    413,
                    422,
                    body={"schema": _ref("DeclarationInput"), "example": EXAMPLE},
                    parameters=PATH_ID,
                ),
            },
            "/declarations/{declaration_id}/checkout": {
                "post": _op(
                    "Record the guest's departure",
                    _json(declaration_out),
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    body={
                        "schema": {"type": "object", "properties": {"departed_at": DATETIME}},
                        "example": {"departed_at": "2026-11-25T11:00:00+07:00"},
                    },
                    parameters=PATH_ID,
                )
            },
            "/declarations/{declaration_id}/cancel": {
                "post": _op(
                    "Cancel a declaration made in error",
                    _json(declaration_out),
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    body={
                        "schema": {
                            "type": "object",
                            "properties": {
                                "reason": {
                                    "type": "string",
                                    "minLength": 1,
                                    "maxLength": 500,
                                    "pattern": "\\S",
                                }
                            },
                            "required": ["reason"],
                        },
                        "example": {"reason": "Guest did not arrive"},
                    },
                    parameters=PATH_ID,
                )
            },
            "/declarations/{declaration_id}/rating": {
                "post": _op(
                    "Rate the police's latest decision (1–5 stars, a comment), once",
                    _json(declaration_out, "Rated (or this very rating was already sent)"),
                    400,
                    401,
                    403,
                    404,
                    409,
                    422,
                    body={
                        "schema": {
                            "type": "object",
                            "properties": {
                                "decision_id": {
                                    "type": "integer",
                                    "description": "decision.id of the declaration",
                                },
                                "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                                "comment": {"type": "string", "maxLength": 1000},
                            },
                            "required": ["decision_id", "rating"],
                        },
                        "example": {"decision_id": 42, "rating": 5, "comment": "Quick."},
                    },
                    parameters=PATH_ID,
                )
            },
            "/openapi.json": {"get": _op("This document", _json({"type": "object"}), security=[])},
        },
    }
    # Each operation's id is its route's name (api/routes.py): stable, and unique.
    from .routes import operation_ids

    ids = operation_ids()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            operation["operationId"] = ids[(path, method)]
    return doc


async def openapi(request: Request) -> Response:
    return JSONResponse(document())
