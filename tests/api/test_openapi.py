"""The OpenAPI document describes every API route, and agrees with the checks."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route

from server.declarations import fields, rules
from server.declarations.context import RuleContext
from tests.builders import declaration


def _api_routes(app: Starlette) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api/v1":
            for sub in route.routes:
                assert isinstance(sub, Route)
                path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", sub.path)
                for method in sub.methods or ():
                    if method != "HEAD":
                        found.add((path, method.lower()))
    return found


async def test_every_api_route_is_described_and_nothing_else(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    described = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert described == _api_routes(app)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (path, method)


def test_the_required_fields_are_the_ones_the_checks_require() -> None:
    from server.api.openapi import document

    schema = document()["components"]["schemas"]["DeclarationInput"]
    assert set(schema["properties"]) == set(fields.NAMES)
    context = RuleContext(now=datetime.now(UTC))
    for name in schema["required"]:
        item = declaration()
        item.pop(name)
        errors = {(e.field, e.code) for e in rules.check(item, context).errors}
        assert (name, "required") in errors, name


@pytest.mark.parametrize("field", ["sex", "document_type", "entry_kind", "purpose", "entry_port"])
def test_enumerations_match_the_code_lists(field: str) -> None:
    from server.api.openapi import document

    schema = document()["components"]["schemas"]["DeclarationInput"]["properties"][field]
    valid = declaration()
    context = RuleContext(now=datetime.now(UTC))
    for value in schema["enum"]:
        item = {**valid, field: value}
        codes = {(e.field, e.code) for e in rules.check(item, context).errors}
        assert (field, "unknown_code") not in codes
