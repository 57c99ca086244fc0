"""The PWA's JavaScript twins of the declaration checks and the MRZ parser, run in
Chromium against the very vectors the server's tests use (tests/vectors/*.json)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.live import LiveServer

pytestmark = pytest.mark.browser

VECTORS = Path(__file__).parents[1] / "vectors"
DECLARATIONS: dict[str, Any] = json.loads((VECTORS / "declarations.json").read_text("utf-8"))
MRZ: dict[str, Any] = json.loads((VECTORS / "mrz.json").read_text("utf-8"))
DEFAULT_CONTEXT = {
    "arrival_window_days": 1,
    "document_number_max": 10,
    "grace_hours": 12,
    "remote_grace_hours": 24,
    "remote_area": False,
    "room_required": False,
}

RUN_VECTORS = """
async ([declarations, mrzVectors, defaults]) => {
  const rules = await import("/app/js/rules.js");
  const mrz = await import("/app/js/mrz.js");
  const codes = await (await fetch("/api/v1/codes")).json();
  const tables = rules.codeTables(codes);
  const now = Date.parse(declarations.now);
  const out = {declarations: {}, mrz: {}};
  for (const c of declarations.cases) {
    const item = {...declarations.base, ...(c.set || {})};
    for (const [k, n] of Object.entries(c.repeat || {})) item[k] = item[k].repeat(n);
    for (const k of c.unset || []) delete item[k];
    const r = rules.check(item, {...defaults, ...(c.context || {}), now}, tables);
    out.declarations[c.name] = {
      errors: r.errors.map((i) => [i.field, i.code]),
      warnings: r.warnings.map((i) => [i.field, i.code]),
      values: r.values,
    };
  }
  const today = {year: Number(mrzVectors.today.slice(0, 4))};
  const nat = (code) => rules.normaliseNationality(tables, code);
  for (const group of ["valid", "failing_checks", "bad_shape"]) {
    for (const c of mrzVectors[group]) {
      try {
        out.mrz[c.name] = mrz.parse(c.lines.join("\\n"), today, nat);
      } catch (e) {
        out.mrz[c.name] = {error: e.code || String(e)};
      }
    }
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def results(browser: Browser, live_server: LiveServer) -> Iterator[dict[str, Any]]:
    """Every vector, run once by the JavaScript twins in a real page of the app's origin."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/app/manifest.webmanifest")
    yield page.evaluate(RUN_VECTORS, [DECLARATIONS, MRZ, DEFAULT_CONTEXT])
    context.close()


@pytest.mark.parametrize("case", DECLARATIONS["cases"], ids=lambda c: c["name"])
def test_declaration_vector(results: dict[str, Any], case: dict[str, Any]) -> None:
    got = results["declarations"][case["name"]]
    assert got["errors"] == case.get("errors", [])
    assert got["warnings"] == case.get("warnings", [])
    for name, expected in case.get("values", {}).items():
        value = got["values"][name]
        if name.endswith("_at") and isinstance(value, int | float):
            # The twin keeps instants as milliseconds since the epoch.
            expected = datetime.fromisoformat(expected).timestamp() * 1000
        assert value == expected, name


@pytest.mark.parametrize("case", MRZ["valid"], ids=lambda c: c["name"])
def test_mrz_valid_vector(results: dict[str, Any], case: dict[str, Any]) -> None:
    got = results["mrz"][case["name"]]
    assert got["failed_checks"] == []
    for key, expected in case["expect"].items():
        assert got[key] == expected, key


@pytest.mark.parametrize("case", MRZ["failing_checks"], ids=lambda c: c["name"])
def test_mrz_failing_vector(results: dict[str, Any], case: dict[str, Any]) -> None:
    assert results["mrz"][case["name"]]["failed_checks"] == case["failed"]


@pytest.mark.parametrize("case", MRZ["bad_shape"], ids=lambda c: c["name"])
def test_mrz_bad_shape_vector(results: dict[str, Any], case: dict[str, Any]) -> None:
    assert results["mrz"][case["name"]] == {"error": case["code"]}
