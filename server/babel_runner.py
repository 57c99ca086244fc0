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
PWA = ROOT / "pwa"


def _pwa_messages() -> set[str]:
    """Besides its own files' messages, the PWA shows the field table's labels, hints
    and section names (not its spreadsheet columns: those are the server's)."""
    from server.declarations.fields import for_pwa

    table = for_pwa()
    shown = {f.get(key, "") for f in table["fields"] for key in ("label", "hint")}
    return (shown | {s["label"] for s in table["sections"]}) - {""}


# The language the messages are written in: its catalog needs no translations.
SOURCE_LANGUAGE = "en"


def languages(locales: Path = LOCALES) -> list[str]:
    """Every language with a catalog (the code names none)."""
    from server.i18n import catalog_languages

    return catalog_languages(locales)


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
    for lang in languages():
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


def compile_catalogs(locales: Path = LOCALES, pwa: Path = PWA) -> None:
    """.po → .mo for the server; for the PWA its JSON catalogs, the list of languages
    and the field table."""
    (pwa / "locales").mkdir(parents=True, exist_ok=True)
    found = languages(locales)
    for lang in found:
        po = locales / lang / "LC_MESSAGES" / "messages.po"
        fuzzy = "--use-fuzzy" if lang == SOURCE_LANGUAGE else "-f"
        _babel("compile", "-d", str(locales), "-l", lang, fuzzy)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        # The PWA gets the messages that it shows, with their translations.
        wanted = _pwa_messages()
        messages = {
            str(m.id): m.string
            for m in catalog
            if m.id
            and isinstance(m.id, str)
            and m.string
            and (m.id in wanted or any(path.startswith("pwa/") for path, _line in m.locations))
        }
        body = {"messages": messages, **_issue_messages(catalog)}
        _write(
            pwa / "locales" / f"{lang}.json",
            json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        )
    _module(pwa, "languages.js", [_language(lang, pwa) for lang in found])
    write_field_table(pwa)


def _language(code: str, pwa: Path) -> dict[str, str]:
    """What the PWA needs of a language; a manifest of its own if there is one."""
    from server.i18n import INTL_TAGS, language_name

    manifest = f"manifest.{code}.webmanifest"
    return {
        "code": code,
        "name": language_name(code),
        "intl": INTL_TAGS.get(code, code),
        "manifest": manifest if (pwa / manifest).exists() else "manifest.webmanifest",
    }


def _module(pwa: Path, name: str, value: object) -> None:
    """A generated ES module for the PWA: JSON, exported (``pwa/generated/``)."""
    (pwa / "generated").mkdir(parents=True, exist_ok=True)
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    body = body.replace('},{"', '},\n{"')  # an entry per line
    _write(
        pwa / "generated" / name,
        f"// Built by `make` (server/babel_runner.py): do not edit.\nexport default {body};\n",
    )


def _write(path: Path, text: str) -> None:
    """Write only a change: an unchanged file keeps its time, so the app's bundle built
    from it stays fresh (server/pwa.py compares times)."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_field_table(pwa: Path = PWA) -> None:
    """The field table for the PWA (server/declarations/fields.py): an ES module, so
    that the form and the checks import it like any module, and the service worker
    precaches it."""
    from server.declarations.fields import for_pwa

    _module(pwa, "fields.js", for_pwa())


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
