"""Two languages: complete Vietnamese catalog, negotiation, Babel formatting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from server import i18n

ROOT = Path(__file__).resolve().parent.parent


def _catalog(lang: str) -> Catalog:
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def test_every_message_has_a_vietnamese_translation_and_none_is_fuzzy() -> None:
    problems = []
    for message in _catalog("vi"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    assert not problems, "\n".join(problems)


def test_catalogs_cover_every_message_in_the_sources() -> None:
    """The committed .po files were updated after the last change to the sources."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    keywords = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("vi") if m.id}
    missing = sorted(found - known)
    assert not missing, f"run `make i18n` and translate: {missing}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("fr-FR,fr;q=0.9", "vi"),
        ("fr;q=0.9,en;q=0.5", "en"),
        ("", "vi"),
        ("en;q=garbage", "vi"),
    ],
)
def test_accept_language_negotiation(header: str, expected: str) -> None:
    assert i18n.negotiate(header, ("vi", "en"), "vi") == expected


def test_gettext_follows_the_active_locale() -> None:
    token = i18n.set_locale("vi")
    try:
        assert i18n.gettext("Sign in") == "Đăng nhập"
        i18n.set_locale("en")
        assert i18n.gettext("Sign in") == "Sign in"
    finally:
        i18n._locale.reset(token)


def test_times_are_shown_in_vietnam_time_in_the_active_language() -> None:
    moment = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 March in Hanoi
    token = i18n.set_locale("en")
    try:
        assert i18n.format_datetime(moment) == "2 Mar 2026, 00:30"
        assert i18n.format_date(moment) == "2 Mar 2026"
        assert i18n.format_number(1500) == "1,500"
        i18n.set_locale("vi")
        assert i18n.format_datetime(moment) == "00:30, 02/03/2026"
        assert i18n.format_date(moment) == "02/03/2026"
        assert i18n.format_number(1500) == "1.500"
    finally:
        i18n._locale.reset(token)
