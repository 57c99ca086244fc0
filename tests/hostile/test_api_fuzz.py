"""Schema-driven fuzzing of the API from its own ``/api/v1/openapi.json`` (Hypothesis),
over real HTTP against the real server: bodies generated from each
operation's documented schema, and arbitrary JSON, and arbitrary path ids. Never a 5xx;
every answer's status is one the document lists for the operation; every error has the
documented ``Error`` shape."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.builders import DEMO_PASSWORD
from tests.live import LiveServer

EXAMPLES = 40
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=20,
)
PATH_IDS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63),
    st.uuids().map(str),
    # Any text but "/" (that would be another route) and "." (dot segments are resolved
    # by the client before sending).
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="/."),
        min_size=1,
        max_size=40,
    ),
)


def from_schema(schema: dict[str, Any], components: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that fit a JSON schema (the subset the API document uses)."""
    if "$ref" in schema:
        return from_schema(components["schemas"][schema["$ref"].rsplit("/", 1)[1]], components)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, components) for s in schema[key]])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}, components) for k in kind])
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v, components) for k, v in properties.items() if k in required},
            optional={
                k: from_schema(v, components) for k, v in properties.items() if k not in required
            },
        )
    if kind == "array":
        return st.lists(
            from_schema(schema.get("items", {}), components),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 3), 3),
        )
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return st.dates().map(lambda d: d.isoformat())
        if fmt == "date-time":
            return st.datetimes().map(lambda d: d.isoformat())
        if fmt == "uuid":
            return st.uuids().map(str)
        return st.text(max_size=schema.get("maxLength", 40))
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    return st.none()


@pytest.fixture(scope="module")
def api(template_url: str, pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.conftest import new_server

    server: LiveServer = new_server(
        template_url, pg_cluster, tmp_path_factory.mktemp("fuzz"), "fuzz"
    )
    server.start()
    http = httpx.Client(base_url=f"{server.url}/api/v1", timeout=30)
    token = http.post(
        "/auth/token", json={"username": "owner.hk", "password": DEMO_PASSWORD}
    ).json()
    http.headers["Authorization"] = f"Bearer {token['access_token']}"
    http.headers["X-Own-Token"] = str(token["token"]["id"])  # not to be revoked by a probe
    document = http.get("/openapi.json").json()
    yield http, document
    http.close()
    server.stop()
    assert "Traceback" not in server.log(), server.log()[-3000:]


def _operations() -> list[tuple[str, str]]:
    from server.api.openapi import document

    return [
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        for method in operations
        if path != "/auth/token"  # its bodies would sign in as, or lock out, someone
    ]


def _check(document: dict[str, Any], operation: dict[str, Any], response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    listed = set(operation["responses"]) | {"400", "401", "413", "503"}
    assert str(response.status_code) in listed, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        schema = {
            **document["components"]["schemas"]["Error"],
            "components": document["components"],
        }
        jsonschema.validate(response.json(), schema)


@pytest.mark.parametrize(("method", "path"), _operations())
def test_the_api_answers_anything_in_its_documented_shapes(
    api: tuple[httpx.Client, dict[str, Any]], method: str, path: str
) -> None:
    http, document = api
    operation = document["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    bodies: st.SearchStrategy[Any] = ANY_JSON
    if body_schema is not None:
        bodies = st.one_of(from_schema(body_schema, document["components"]), ANY_JSON)
    names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
    queries = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        body=bodies,
        ids=st.fixed_dictionaries({n: PATH_IDS for n in names}),
        query=st.fixed_dictionaries({q: st.text(max_size=12) | st.integers() for q in queries}),
    )
    def probe(body: Any, ids: dict[str, Any], query: dict[str, Any]) -> None:
        assume(str(ids.get("token_id")) != http.headers["X-Own-Token"])
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", quote(str(value), safe=""))
        send: dict[str, Any] = {"params": query}
        if method in ("POST", "PUT", "DELETE", "PATCH"):
            send["json"] = body
        response = http.request(method, url, **send)
        _check(document, operation, response)

    probe()


@pytest.mark.parametrize(
    "path",
    [
        "/declarations?cursor=99999999999999999999999",
        "/declarations?limit=%C2%B2",  # "²" passes str.isdigit, not int()
        "/declarations/99999999999999999999999",
        "/establishments/99999999999999999999999",
        "/auth/tokens/99999999999999999999999",
    ],
)
def test_numbers_too_big_or_not_ascii_are_refused_not_crashed(
    api: tuple[httpx.Client, dict[str, Any]], path: str
) -> None:
    http, _document = api
    method = "DELETE" if path.startswith("/auth/tokens/") else "GET"
    response = http.request(method, path)
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"]["code"]
