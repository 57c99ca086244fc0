"""Extract, update and compile the message catalogs, and build the PWA's JSON catalogs.

    python -m server.babel_runner extract   # sources → locales/messages.pot
    python -m server.babel_runner update    # .pot → locales/<lang>/LC_MESSAGES/messages.po
    python -m server.babel_runner compile   # .po → .mo, pwa/locales/<lang>.json, and
                                            # the field table as pwa/generated/fields.js

Only the .po files are committed; .mo, JSON and the PWA's field table are built by
``make``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
PWA_CATALOGS = ROOT / "pwa" / "locales"
PWA_FIELDS = ROOT / "pwa" / "generated" / "fields.js"
# Besides its own files, the PWA shows the field table's labels.
PWA_SOURCES = ("pwa/", "server/declarations/fields.py")
LANGUAGES = ("vi", "en")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract() -> None:
    _babel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "N_",
        "-k",
        "_",
        "--no-wrap",
        "--sort-by-file",
        "--project",
        "luutru",
        "--copyright-holder",
        "luutru",
        "-o",
        str(POT),
        ".",
    )


def update() -> None:
    for lang in LANGUAGES:
        po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel(
                "update",
                "-i",
                str(POT),
                "-d",
                str(LOCALES),
                "-l",
                lang,
                "--no-wrap",
                "--ignore-obsolete",
                "--no-fuzzy-matching",
            )
        else:
            _babel("init", "-i", str(POT), "-d", str(LOCALES), "-l", lang, "--no-wrap")


def compile_catalogs() -> None:
    PWA_CATALOGS.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        _babel("compile", "-d", str(LOCALES), "-l", lang, "--use-fuzzy" if lang == "en" else "-f")
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        # The PWA gets the messages that its own files use, with their translations.
        messages = {
            str(m.id): m.string
            for m in catalog
            if m.id
            and isinstance(m.id, str)
            and m.string
            and any(path.startswith(PWA_SOURCES) for path, _line in m.locations)
        }
        body = {"messages": messages, **_issue_messages(catalog)}
        (PWA_CATALOGS / f"{lang}.json").write_text(
            json.dumps(body, ensure_ascii=False, sort_keys=True, indent=0), encoding="utf-8"
        )
    write_field_table()


def write_field_table() -> None:
    """The field table for the PWA: an ES module around the JSON, so that the form and
    the checks import it like any module, and the service worker precaches it."""
    from server.declarations.fields import for_pwa

    PWA_FIELDS.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(for_pwa(), ensure_ascii=False, separators=(",", ":"))
    body = body.replace('},{"name"', '},\n{"name"')  # a field per line
    PWA_FIELDS.write_text(
        "// Built from server/declarations/fields.py by `make`: do not edit.\n"
        f"export default {body};\n",
        encoding="utf-8",
    )


def _issue_messages(catalog: Catalog) -> dict[str, dict[str, str]]:
    """The declaration checks' messages by code, so that the PWA's twin of the checks
    speaks with the server's words (one source: ``server/declarations/rules.py``)."""
    from server.declarations.issues import MESSAGES, MRZ_PARTS

    def translated(msgid: str) -> str:
        found = catalog.get(msgid)
        return str(found.string) if found is not None and found.string else msgid

    return {
        "issues": {code: translated(msgid) for code, msgid in MESSAGES.items()},
        "mrz_parts": {part: translated(msgid) for part, msgid in MRZ_PARTS.items()},
    }


def main(argv: list[str]) -> None:
    os.chdir(ROOT)  # so that the catalogs name source files by relative path
    commands = {"extract": extract, "update": update, "compile": compile_catalogs}
    if len(argv) != 1 or argv[0] not in commands:
        sys.exit(__doc__)
    commands[argv[0]]()


if __name__ == "__main__":
    main(sys.argv[1:])
