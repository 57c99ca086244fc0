"""Languages are data: a third language is its catalog plus the LANGUAGES setting. This
builds a throwaway French catalog and checks that pages, API messages, code lists,
upload templates and the PWA's catalogs all speak it, with no code change."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po, write_po
from openpyxl import load_workbook

from server import babel_runner, i18n
from server import settings as settings_module
from server.settings import Settings
from tests.builders import DEMO_PASSWORD, api_token, declaration, send_batch, web_login

ROOT = Path(__file__).resolve().parent.parent
FRENCH = {
    "Sign in": "Se connecter",
    "Full name": "Nom complet",
    "Tourism": "Tourisme",
    "Declarations": "Déclarations",
    "This field is required.": "Ce champ est obligatoire.",
    "Guest declarations": "Déclarations des hôtes",  # a string of the PWA
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The project's catalogs plus a French one, compiled as `make` does: the locales
    folder (with .mo files) and the PWA's generated files."""
    base = tmp_path_factory.mktemp("languages")
    locales, pwa = base / "locales", base / "pwa"
    shutil.copytree(ROOT / "locales", locales, ignore=shutil.ignore_patterns("*.mo"))
    shutil.copy(ROOT / "pwa" / "manifest.webmanifest", base / "manifest.webmanifest")
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    for message in catalog:
        if message.id in FRENCH:
            message.string = FRENCH[str(message.id)]
    (locales / "fr" / "LC_MESSAGES").mkdir(parents=True)
    with (locales / "fr" / "LC_MESSAGES" / "messages.po").open("wb") as handle:
        write_po(handle, catalog, width=0)
    babel_runner.compile_catalogs(locales, pwa)
    return locales, pwa


@pytest.fixture
def settings(database_url: str, built: tuple[Path, Path]) -> Settings:
    """A server offering French too, from the throwaway catalog."""
    loaded = settings_module.load(
        {"DATABASE_URL": database_url, "TESTING": "1", "DEMO_PASSWORD": DEMO_PASSWORD}
    )
    return dataclasses.replace(loaded, locales_dir=built[0], languages=("vi", "en", "fr"))


def test_the_new_catalog_is_found_and_built_for_the_pwa(built: tuple[Path, Path]) -> None:
    locales, pwa = built
    assert i18n.catalog_languages(locales) == ["vi", "en", "fr"]
    assert (locales / "fr" / "LC_MESSAGES" / "messages.mo").exists()
    french = json.loads((pwa / "locales" / "fr.json").read_text(encoding="utf-8"))
    assert french["messages"]["Guest declarations"] == "Déclarations des hôtes"
    assert french["issues"]["required"] == "Ce champ est obligatoire."
    listed = (pwa / "generated" / "languages.js").read_text(encoding="utf-8")
    assert '"code":"fr","name":"Français"' in listed


async def test_pages_api_codes_and_templates_speak_the_new_language(
    client: httpx.AsyncClient,
) -> None:
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    page = await client.get("/login", headers=french)
    assert '<html lang="fr">' in page.text and "Se connecter" in page.text
    assert "Français" in page.text  # offered in the language menu, by its own name

    codes = (await client.get("/api/v1/codes")).json()
    tourism = next(row for row in codes["purposes"] if row["code"] == "tourism")
    assert tourism == {"code": "tourism", "vi": "Du lịch", "en": "Tourism", "fr": "Tourisme"}
    germany = next(row for row in codes["countries"] if row["code"] == "DEU")
    assert germany["fr"] == "Allemagne"  # country names from pycountry's catalogs

    token = await api_token(client, "staff.hk")
    item = declaration()
    item.pop("full_name")
    answer = (await send_batch(client, token, [item], **french)).json()["results"][0]
    assert answer["errors"][0]["message"] == "Ce champ est obligatoire."

    await web_login(client, "staff.hk")
    sheet = await client.get("/hotel/upload/template.xlsx?lang=fr")
    book = load_workbook(io.BytesIO(sheet.content)).active
    assert book is not None and book.title == "Déclarations"
    assert book["B1"].value == "Nom complet (full_name)"
