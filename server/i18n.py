"""Languages: message catalogs, the request's locale, and Babel formatting.

The active locale lives in a context variable set per request by the middleware, so the
same ``gettext`` serves Python code and the Jinja2 i18n extension.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import NullTranslations, Translations

DEFAULT_LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
# The system's first language (DEFAULT_LANGUAGE's default): Vietnamese, the law's.
DEFAULT_LANGUAGE = "vi"

_locale: contextvars.ContextVar[str] = contextvars.ContextVar("locale", default=DEFAULT_LANGUAGE)
_tz: ZoneInfo = ZoneInfo("Asia/Ho_Chi_Minh")
_locales_dir: Path = DEFAULT_LOCALES_DIR


def configure(locales_dir: Path, timezone: str) -> None:
    global _locales_dir, _tz
    _locales_dir = locales_dir
    _tz = ZoneInfo(timezone)
    translations.cache_clear()


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog for ``lang`` (``make`` compiles the .po files into .mo)."""
    mo = _locales_dir / lang / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        return NullTranslations()
    return Translations.load(str(_locales_dir), [lang], "messages")


def set_locale(lang: str) -> contextvars.Token[str]:
    return _locale.set(lang)


def get_locale() -> str:
    return _locale.get()


def gettext(message: str, **variables: object) -> str:
    text = translations(get_locale()).gettext(message)
    return text % variables if variables else text


def catalog_languages(locales: Path = DEFAULT_LOCALES_DIR) -> list[str]:
    """Every language with a catalog, the default first: adding a language is adding its
    ``locales/<code>/LC_MESSAGES/messages.po`` (and naming it in LANGUAGES)."""
    found = sorted(p.parent.parent.name for p in locales.glob("*/LC_MESSAGES/messages.po"))
    return sorted(found, key=lambda code: code != DEFAULT_LANGUAGE)


# The tag the PWA formats dates and numbers with (Intl), where the bare language code
# would not give day-first dates: British English writes 30/11/2026 as Vietnam does.
INTL_TAGS = {"en": "en-GB"}


@cache
def language_name(code: str) -> str:
    """A language's own name for itself (Tiếng Việt, English, français…), from CLDR."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def translate(lang: str, message: str) -> str:
    """``message`` in ``lang``, whatever the request's language (a file's language)."""
    return translations(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later, where it is shown."""
    return message


def negotiate(accept_language: str, available: Iterable[str], default: str) -> str:
    """Pick a language from an Accept-Language header."""
    offered: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:  # q=0 means "not acceptable"
            offered.append((quality, tag.strip().lower()))
    choices = list(available)
    for _quality, tag in sorted(offered, key=lambda item: -item[0]):
        base = tag.split("-", 1)[0]
        if base in choices:
            return base
    return default


def _as_local(value: datetime) -> datetime:
    return value.astimezone(_tz)


# Four-digit years and 24-hour clocks: what officers and receptionists write by hand.
# (CLDR's "short" Vietnamese date has a two-digit year, ambiguous for dates of birth.)
_DATETIME_PATTERNS = {"vi": "HH:mm, dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}
_DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def format_datetime(value: datetime | None, format: str | None = None) -> str:
    """A moment in Vietnam time (whatever zone it was stored in), in the active language."""
    if value is None:
        return ""
    lang = get_locale()
    pattern = format or _DATETIME_PATTERNS.get(lang, "medium")
    return babel_dates.format_datetime(_as_local(value), pattern, locale=Locale.parse(lang))


def local_today() -> date:
    """Today in the configured zone (Asia/Ho_Chi_Minh unless set otherwise)."""
    return datetime.now(_tz).date()


def format_date(value: date | datetime | None, format: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _as_local(value).date()
    lang = get_locale()
    pattern = format or _DATE_PATTERNS.get(lang, "medium")
    return babel_dates.format_date(value, pattern, locale=Locale.parse(lang))


def format_number(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=Locale.parse(get_locale()))


def format_percent(value: float) -> str:
    return babel_numbers.format_percent(value, locale=Locale.parse(get_locale()))
