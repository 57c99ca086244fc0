"""The declaration checks, driven by the vectors the PWA's twin shares."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from server.declarations import rules
from server.declarations.context import RuleContext
from server.declarations.issues import MESSAGES

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "declarations.json").read_text(encoding="utf-8")
)
NOW = datetime.fromisoformat(VECTORS["now"].replace("Z", "+00:00"))


def build(case: dict[str, Any]) -> dict[str, Any]:
    item = dict(VECTORS["base"])
    item.update(case.get("set", {}))
    for name, times in case.get("repeat", {}).items():
        item[name] = item[name] * times
    for name in case.get("unset", []):
        item.pop(name, None)
    return item


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_vector(case: dict[str, Any]) -> None:
    context = RuleContext(now=NOW, **case.get("context", {}))
    checked = rules.check(build(case), context)
    assert [[e.field, e.code] for e in checked.errors] == case.get("errors", [])
    assert [[w.field, w.code] for w in checked.warnings] == case.get("warnings", [])
    for name, expected in case.get("values", {}).items():
        value = checked.values[name]
        if isinstance(value, datetime):
            value = value.isoformat()
        assert value == expected, name


def test_every_issue_code_has_a_message() -> None:
    codes = {code for case in VECTORS["cases"] for _f, code in case.get("errors", [])}
    codes |= {code for case in VECTORS["cases"] for _f, code in case.get("warnings", [])}
    assert codes <= set(MESSAGES)


def test_clean_values_are_typed() -> None:
    checked = rules.check(dict(VECTORS["base"]), RuleContext(now=NOW))
    values = checked.values
    assert values["arrived_at"].utcoffset().total_seconds() == 0
    assert values["expected_departure"].isoformat() == "2026-11-25"
    assert values["id"] == VECTORS["base"]["id"]


def test_content_key_ignores_the_device_clock() -> None:
    a = dict(VECTORS["base"])
    b = {**a, "declared_at": "2026-11-22T10:05:00+07:00"}
    assert rules.content_key(a) == rules.content_key(b)
    assert rules.content_key(a) != rules.content_key({**a, "room": "302"})


def test_late_warning_says_how_late() -> None:
    item = {**VECTORS["base"], "arrived_at": "2026-11-21T08:00:00+07:00"}
    checked = rules.check(item, RuleContext(now=NOW))
    assert checked.warnings[0].params == {"hours": 26, "deadline": 12}
