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
    ANY_OBJECT,
    BATCH_ITEM,
    BATCH_RESULT,
    CANCEL_BODY,
    CHECKOUT_BODY,
    DATETIME,
    ERROR,
    EXAMPLE,
    RATING_BODY,
    TOKEN_ANSWER,
    TOKEN_REQUEST,
    UUID,
    declaration_input,
    declaration_output,
    obj,
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
        429: "Too many failed sign-ins for this username or address (sign-in), or more "
        "than API_CONCURRENCY_PER_CLIENT requests at once with the same token or "
        "session; retry after Retry-After seconds",
        503: "Server busy (load shedding) or database unreachable; retry after Retry-After seconds",
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
    # Any request may be told to come back later (middleware.Admission, a database
    # out of reach): 429 and 503, both with Retry-After.
    every = sorted({*errors, 429, 503})
    operation: dict[str, Any] = {"summary": summary, "responses": {"200": ok, **_errors(*every)}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": body}}
    operation.update(extra)
    return operation


def _int_path(name: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}]


ANY_LIST = {"type": "array", "items": ANY_OBJECT}
# What a change to one declaration may answer besides 200.
ON_A_RECORD = (400, 401, 403, 404, 409, 422)
CODE_LISTS = (
    "countries",
    "ports",
    "purposes",
    "visa_categories",
    "document_types",
    "entry_kinds",
    "sexes",
    "relationships",
)
PATH_ID = [{"name": "declaration_id", "in": "path", "required": True, "schema": UUID}]


@cache
def document() -> dict[str, Any]:
    declaration_out = obj({"declaration": _ref("Declaration")})
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
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                # The same endpoint also takes OAuth2's form (RFC 6749 4.3), for clients
                # that speak it; described here, not as a second body, which generators
                # such as openapi-python-client cannot handle on one operation.
                "oauth2": {
                    "type": "oauth2",
                    "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
                },
            },
            "schemas": {
                "Error": ERROR,
                "DeclarationInput": declaration_input(),
                "DeclarationCorrection": declaration_input(with_id=False),
                "Declaration": declaration_output(),
                "BatchResult": BATCH_RESULT,
            },
        },
        "security": [{"bearer": []}, {"oauth2": []}],
        "paths": {
            "/auth/token": {
                "post": _op(
                    "Exchange a username and password for a bearer token (JSON, or "
                    "OAuth2's password grant as a form)",
                    _json(TOKEN_ANSWER),
                    400,
                    401,
                    403,
                    413,
                    429,
                    security=[],
                    body=TOKEN_REQUEST,
                )
            },
            "/auth/tokens": {
                "get": _op(
                    "The caller's tokens",
                    _json(obj({"tokens": ANY_LIST})),
                    401,
                )
            },
            "/auth/tokens/{token_id}": {
                "delete": _op(
                    "Revoke one of the caller's tokens",
                    _json(obj({"token": ANY_OBJECT})),
                    401,
                    404,
                    parameters=_int_path("token_id"),
                )
            },
            "/me": {
                "get": _op(
                    "The signed-in account (hotel accounts: establishment, check settings)",
                    _json(
                        obj(
                            {
                                "user": ANY_OBJECT,
                                "establishment": ANY_OBJECT,
                                "rules": ANY_OBJECT,
                                "server_time": DATETIME,
                            },
                            "establishment",
                            "rules",
                            "server_time",
                        )
                    ),
                    401,
                )
            },
            "/codes": {
                "get": _op(
                    "Code lists with Vietnamese and English names",
                    _json(
                        obj(
                            {
                                **{name: ANY_LIST for name in CODE_LISTS},
                                "visa_exemptions": ANY_OBJECT,
                            }
                        )
                    ),
                    security=[],
                )
            },
            "/establishments": {
                "get": _op(
                    "Establishments in the caller's scope",
                    _json(obj({"establishments": ANY_LIST})),
                    401,
                )
            },
            "/establishments/{establishment_id}": {
                "get": _op(
                    "One establishment",
                    _json(obj({"establishment": ANY_OBJECT})),
                    401,
                    404,
                    parameters=_int_path("establishment_id"),
                )
            },
            "/establishments/{establishment_id}/users": {
                "get": _op(
                    "Its accounts, as far as the caller may see them",
                    _json(obj({"users": ANY_LIST})),
                    401,
                    404,
                    parameters=_int_path("establishment_id"),
                )
            },
            "/declarations/batch": {
                "post": _op(
                    "Send 1 to 200 declarations; one result per item, in order",
                    _json(
                        obj(
                            {
                                "results": {"type": "array", "items": _ref("BatchResult")},
                                "server_time": DATETIME,
                            }
                        )
                    ),
                    400,
                    401,
                    403,
                    413,
                    422,
                    503,
                    body={
                        "schema": obj(
                            {
                                "declarations": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 200,
                                    "items": BATCH_ITEM,
                                }
                            }
                        ),
                        "example": {"declarations": [EXAMPLE]},
                    },
                )
            },
            "/declarations": {
                "get": _op(
                    "Declarations changed since the cursor, oldest change first "
                    "(hotel accounts only: police read in the console, where reads are logged)",
                    _json(
                        obj(
                            {
                                "declarations": {"type": "array", "items": _ref("Declaration")},
                                "next_cursor": {"type": "string"},
                                "has_more": {"type": "boolean"},
                            }
                        )
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
                    *ON_A_RECORD,
                    413,
                    body={"schema": _ref("DeclarationCorrection")},
                    parameters=PATH_ID,
                ),
            },
            "/declarations/{declaration_id}/checkout": {
                "post": _op(
                    "Record the guest's departure",
                    _json(declaration_out),
                    *ON_A_RECORD,
                    body=CHECKOUT_BODY,
                    parameters=PATH_ID,
                )
            },
            "/declarations/{declaration_id}/cancel": {
                "post": _op(
                    "Cancel a declaration made in error",
                    _json(declaration_out),
                    *ON_A_RECORD,
                    body=CANCEL_BODY,
                    parameters=PATH_ID,
                )
            },
            "/declarations/{declaration_id}/rating": {
                "post": _op(
                    "Rate the police's latest decision (1–5 stars, a comment), once",
                    _json(declaration_out, "Rated (or this very rating was already sent)"),
                    *ON_A_RECORD,
                    body=RATING_BODY,
                    parameters=PATH_ID,
                )
            },
            "/openapi.json": {
                "get": _op(
                    "This document",
                    _json(obj({"openapi": {"type": "string"}, "paths": ANY_OBJECT})),
                    security=[],
                )
            },
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
