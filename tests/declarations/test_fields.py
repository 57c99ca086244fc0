"""The field table (server/declarations/fields.py) is the only list of the declaration's
fields: everything that needs them derives from it, and a hand-written list elsewhere
fails here."""

from __future__ import annotations

import ast
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from server.declarations import bulk, fields, rules
from server.declarations.context import RuleContext
from server.models import Declaration
from server.police import export
from server.purge import CLEARED_COLUMNS
from tests.builders import declaration

ROOT = Path(__file__).resolve().parents[2]
NAMES = set(fields.NAMES)
# Other entities have columns of the same names: a person's account (name, phone,
# e-mail) and a watch-list entry (name, birth date, document, nationality).
OTHER_ENTITIES = {
    "server/police/watch.py": "the watch list form: a watch entry's own columns",
}
# Collections that name fields for another reason than listing them, by module and name.
NOT_FIELD_LISTS = {
    ("server/declarations/issues.py", "MRZ_PARTS"): "an MRZ's check-digit parts",
    ("server/declarations/rules.py", "_PARSERS"): "kinds of field, some named like one",
    ("server/police/queue.py", "ROW_FIELDS"): "a query's projection: what a queue row shows",
}
# A user's account has these too: a collection of only these is not the declaration's.
SHARED = {"id", "full_name", "phone", "email"}


def _names_in(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        elements = node.elts
    elif isinstance(node, ast.Dict):
        elements = [k for k in node.keys if k is not None]
    else:
        return set()
    found = set()
    for element in elements:
        if isinstance(element, ast.Tuple) and element.elts:
            element = element.elts[0]  # (name, …) pairs
        if isinstance(element, ast.Constant) and element.value in NAMES:
            found.add(element.value)
    return found


def _hand_lists_in_python() -> list[str]:
    found = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "migrations" in path.parts or relative in OTHER_ENTITIES:
            continue
        if relative == "server/declarations/fields.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name) and (relative, target.id) in NOT_FIELD_LISTS
        }
        for node in ast.walk(tree):
            if id(node) in allowed:
                continue
            names = _names_in(node)
            if len(names) >= 3 and not names <= SHARED:
                found.append(f"{relative}:{getattr(node, 'lineno', 0)} {sorted(names)}")
    return found


# An array or object literal without nested brackets, and the field names in it: quoted
# strings, or object keys.
_LITERAL = re.compile(r"\[[^\[\]]*\]|\{[^{}]*\}")
_NAME = re.compile(r"[\"']([a-z_]+)[\"']|(?<![.\w])([a-z_]+)\s*:")


def _hand_lists_in_javascript() -> list[str]:
    found = []
    for path in sorted((ROOT / "pwa").rglob("*.js")):
        if "generated" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for literal in _LITERAL.finditer(text):
            before = text[: literal.start()].rstrip()
            if literal.group().startswith("{") and not (
                before.endswith(("=", "(", ",", ":", "[", "?")) or before.endswith("return")
            ):
                continue  # a block of statements, not an object
            names = {a or b for a, b in _NAME.findall(literal.group())} & NAMES
            if len(names) >= 3 and not names <= SHARED:
                line = text[: literal.start()].count("\n") + 1
                found.append(f"{path.relative_to(ROOT).as_posix()}:{line} {sorted(names)}")
    return found


def test_no_module_lists_the_fields_by_hand() -> None:
    assert _hand_lists_in_python() == []
    assert _hand_lists_in_javascript() == []


def test_the_detector_finds_a_hand_written_list() -> None:
    """The check above can fail: a list of three field names is caught, in either language."""
    tree = ast.parse('COLUMNS = ("room", "nationality", "document_number")')
    assert any(len(_names_in(node)) == 3 for node in ast.walk(tree))
    literal = '{ room: 1, nationality: "x", document_number: 2 }'
    names = {a or b for a, b in _NAME.findall(_LITERAL.findall(literal)[0])}
    assert names & NAMES == {"room", "nationality", "document_number"}


def test_everything_derives_from_the_table() -> None:
    meta = Declaration._meta
    # The columns, with a foreign key by its relation's name (before and after Tortoise
    # starts, which adds the *_id columns).
    stored = set(meta.fields_db_projection) - {f"{fk}_id" for fk in meta.fk_fields}
    stored |= set(meta.fk_fields)
    assert NAMES <= stored  # one column per field
    assert {c.code for c in bulk.COLUMNS} == {bulk.ROW_ID, *(f.name for f in fields.IN_SHEET)}
    assert set(export.COLUMNS) >= {f.name for f in fields.EXPORTED}
    assert not set(CLEARED_COLUMNS) & NAMES  # the purge clears fields from the table
    # Every column of the record is a field, or one of the record's own columns.
    own = stored - NAMES
    assert own == {
        "establishment", "police_unit_id", "province_id", "receipt_number", "content_hash",
        "name_search", "received_at", "clock_skew_seconds", "warnings", "stay_status",
        "review_state", "review_reason", "flags", "queue_rank", "reviewed_at", "reviewed_by",
        "departed_at", "purged_at", "cancel_reason", "revision", "version", "change_seq",
        "created_by", "updated_at",
    }, "a new column: a field of the table, or one of the record's own (and purged?)"  # fmt: skip


def test_personal_fields_are_the_ones_a_passport_holder_could_be_found_by() -> None:
    personal = {f.name for f in fields.PERSONAL}
    assert {"full_name", "document_number", "date_of_birth", "phone", "email", "mrz"} <= personal
    assert not personal & {"nationality", "sex", "arrived_at", "entry_port", "purpose"}


def test_a_required_field_is_required_by_the_checks() -> None:
    context = RuleContext(now=datetime.now(UTC), room_required=True)
    for f in fields.FIELDS:
        item = declaration()
        item.pop(f.name, None)
        errors = {(e.field, e.code) for e in rules.check(item, context).errors}
        needed = f.required is True or (
            isinstance(f.required, fields.When) and f.required.holds(item, context)
        )
        assert ((f.name, "required") in errors) == needed, f.name


def test_the_pwa_gets_the_table_as_built() -> None:
    built = (ROOT / "pwa" / "generated" / "fields.js").read_text(encoding="utf-8")
    body = built[built.index("{") : built.rindex("}") + 1]
    assert json.loads(body) == fields.for_pwa()
