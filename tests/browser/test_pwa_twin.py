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


# --- the two MRZ parsers on the same generated inputs ------------------------------------

COMPARED = (
    "format",
    "document_code",
    "issuing_state",
    "surname",
    "given_names",
    "document_number",
    "nationality_raw",
    "nationality",
    "date_of_birth",
    "sex",
    "document_expiry",
    "optional_data",
    "failed_checks",
)
# Characters a paste, a keyboard or an OCR app may slip in: Unicode separators and
# spaces, control characters, lower case, look-alikes outside ASCII.
NOISE = "<<<<0OIl1 \t\r\n\f\v\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000\ufeffaz\u0130\u0131ßÄé"


def mrz_inputs(seed: int = 13, count: int = 1500) -> list[str]:
    """Vectors mutated at random: characters replaced, inserted or deleted, lines joined,
    split or padded. Many are valid, many are not; both parsers must say the same."""
    import random

    from server.mrz import check_digit

    rng = random.Random(seed)
    bases = [c["lines"] for c in MRZ["valid"]]
    out: list[str] = []
    for _ in range(count):
        lines = list(rng.choice(bases))
        text = rng.choice(("\n", "\r\n", "\r", "", " ")).join(lines)
        for _edit in range(rng.choice((0, 0, 1, 1, 2, 4))):
            at = rng.randrange(len(text) + 1)
            kind = rng.random()
            pick = rng.choice((NOISE, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"))
            if kind < 0.5:
                text = text[:at] + rng.choice(pick) + text[at + 1 :]
            elif kind < 0.8:
                text = text[:at] + rng.choice(pick) + text[at:]
            else:
                text = text[:at] + text[at + 1 :]
        if rng.random() < 0.1:  # a visa made from a passport, its digits right
            top, bottom = lines[0], lines[-1]
            if len(top) in (36, 44):
                number = bottom[:9]
                text = "V" + top[1:] + "\n" + number + check_digit(number) + bottom[10:28]
                text += "<" * (len(top) - 28)
        out.append(text)
    return out


PARSE_ALL = """
async ([inputs, todayYear]) => {
  const rules = await import("/app/js/rules.js");
  const mrz = await import("/app/js/mrz.js");
  const tables = rules.codeTables(await (await fetch("/api/v1/codes")).json());
  const nat = (code) => rules.normaliseNationality(tables, code);
  return inputs.map((text) => {
    try {
      return mrz.parse(text, {year: todayYear}, nat);
    } catch (e) {
      return {error: e.code || String(e)};
    }
  });
}
"""


def test_the_two_mrz_parsers_agree_on_generated_inputs(
    browser: Browser, live_server: LiveServer
) -> None:
    """server/mrz.py and pwa/js/mrz.js give the same answer, field by field, on 1,500
    mutated MRZs: Unicode line and space separators, control characters, case, cuts."""
    from datetime import date

    from server import mrz

    today = date.fromisoformat(MRZ["today"])
    inputs = mrz_inputs()
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/app/manifest.webmanifest")
    answers = page.evaluate(PARSE_ALL, [inputs, today.year])
    context.close()
    kinds = set()
    for text, got in zip(inputs, answers, strict=True):
        try:
            parsed = mrz.parse(text, today)
        except mrz.MrzFormatError as error:
            expected: dict[str, Any] = {"error": error.code}
        else:
            expected = {key: getattr(parsed, key) for key in COMPARED}
            got = {key: got.get(key) for key in COMPARED}
        kinds.add(expected.get("format") or expected.get("error"))
        assert got == expected, repr(text)
    # The generator reached every layout and both refusals.
    assert {"TD1", "TD2", "TD3", "MRVA", "MRVB", "mrz_shape", "mrz_characters"} <= kinds
