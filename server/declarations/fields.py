"""The declaration's fields: the one table that names them.

Everything else derives from ``FIELDS``: the checks (``rules.py``), the stored columns
(``models/declarations.py``), the API's JSON and its OpenAPI schemas, the spreadsheet
columns of the bulk upload, the police export, the retention purge and, through the
JSON that ``babel_runner compile`` writes for it, the PWA's form and checks. A test
fails when another module lists fields by hand (tests/declarations/test_fields.py).

Adding a field: a row here, a migration, its label in the catalogs. Nothing else.
No web or ORM imports: plain data, shared by the server and the PWA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Literal

from .. import codes
from ..i18n import N_

# How a value is read and stored. The checks have one parser per kind (rules.py, and its
# twin pwa/js/rules.js); the model has one column type per kind.
Kind = Literal[
    "uuid",  # a UUID, stored normalised (lower case, hyphens)
    "moment",  # an ISO date-time; without an offset, Vietnam wall-clock time
    "day",  # YYYY-MM-DD
    "partial_date",  # YYYY, YYYY-MM or YYYY-MM-DD (a passport may not show day or month)
    "name",  # Latin letters as printed in the passport, upper case
    "code",  # one of a code list (``codes``), after its normaliser
    "document_number",  # letters and digits, spaces dropped, at most DOCUMENT_NUMBER_MAX
    "entry_number",  # a visa or card number: 1 to 20 letters or digits
    "text",
    "phone",
    "email",
    "bool",
    "mrz",  # the machine-readable zone, checked against the other fields at the end
]

# The part of an MRZ a field is read from: "compare" fields must equal what the MRZ
# holds; "read" ones are filled by a scan but compared differently (the name) or not.
MrzUse = Literal["", "read", "compare"]

# The form's sections, in order (the PWA; their legends are translated).
SECTIONS: tuple[tuple[str, str], ...] = (
    ("passport", N_("Read the passport")),
    ("guest", N_("Guest")),
    ("document", N_("Travel document")),
    ("entry", N_("Entry into Vietnam")),
    ("stay", N_("Stay")),
    ("contact", N_("Party and contact")),
)


@dataclass(frozen=True)
class When:
    """Required only in some cases: when another field holds one of ``values``, or when
    the rule context's flag ``context`` is set (``room_required`` for hotels)."""

    field: str = ""
    values: tuple[str, ...] = ()
    context: str = ""

    def holds(self, values: dict[str, Any], context: object) -> bool:
        if self.context:
            return bool(getattr(context, self.context))
        return values.get(self.field) in self.values

    def as_json(self) -> dict[str, Any]:
        if self.context:
            return {"context": self.context}
        return {"field": self.field, "in": list(self.values)}


@dataclass(frozen=True)
class Field:
    """One field of a declaration, as clients send it."""

    name: str
    kind: Kind
    label: str  # translatable (N_)
    max_length: int  # as sent, before normalising
    required: bool | When = True
    codes: str = ""  # the code list (codes.LISTS), for kind "code"
    normalise: str = ""  # the code list's normaliser (codes.NORMALISERS)
    personal: bool = True  # cleared by the retention purge; statistical when False
    column: str = ""  # the spreadsheet header (translatable); "" = not in the sheet
    correctable: bool = True  # a correction may change it
    exported: bool = False  # a column of the police export
    stored_length: int = 0  # the column's width, when it differs from max_length
    example: Any = None
    description: str = ""  # for the OpenAPI document (English, for developers)
    pattern: str = ""  # for the OpenAPI document
    # The PWA's form.
    section: str = ""  # "" = not on the form
    hint: str = ""  # translatable help under the field
    defaulted: bool = False  # a new guest gets a default: folded into a summary line
    party: bool = False  # copied to the next guest of the same party
    mrz: MrzUse = ""
    # How the form shows a code list: "" a drop-down; "choice" buttons side by side (a
    # few short choices); "combo" a searchable list (hundreds of choices).
    widget: Literal["", "choice", "combo"] = ""

    @property
    def nullable(self) -> bool:
        return self.required is not True

    @property
    def width(self) -> int:
        return self.stored_length or self.max_length

    @property
    def code_list(self) -> dict[str, Any]:
        return codes.LISTS[self.codes]() if self.codes else {}

    def purged(self, value: Any) -> Any:
        """What the retention purge leaves of a stored value (``personal`` fields only):
        the year of a birth date, for age statistics; otherwise nothing."""
        if self.kind == "partial_date":
            return str(value)[:4]
        if self.nullable:
            return None
        return REMOVED_DATE if self.kind == "day" else ""

    def as_json(self) -> dict[str, Any]:
        """For the PWA (``pwa/generated/fields.js``): what is not said is false or empty
        (the shell is kept small), except ``required``."""
        full = {
            "name": self.name,
            "kind": self.kind,
            "label": self.label,
            "max_length": self.max_length,
            "codes": self.codes,
            "normalise": self.normalise,
            "section": self.section,
            "hint": self.hint,
            "defaulted": self.defaulted,
            "party": self.party,
            "mrz": self.mrz,
            "widget": self.widget,
        }
        required = self.required.as_json() if isinstance(self.required, When) else self.required
        return {**{k: v for k, v in full.items() if v}, "required": required}


# "Removed" in a non-null date column (see ``Field.purged``).
REMOVED_DATE = date(1900, 1, 1)

_VISAS = ("visa", "e_visa")

FIELDS: tuple[Field, ...] = (
    Field(
        "id", "uuid", N_("Record id"), 36, personal=False, correctable=False,
        example="0b6f1c2e-8a1e-4f4e-9a57-3f2d1c0e9b11",
        description="Client-generated; the same id is never stored twice.",
    ),
    Field(
        "declared_at", "moment", N_("Declared at"), 40, personal=False, correctable=False,
        example="2026-11-22T23:05:00+07:00",
        description="The device's clock when first saved.",
    ),
    Field(
        "full_name", "name", N_("Full name as in the passport"), 100,
        column=N_("Full name"), exported=True, example="ERIKSSON ANNA MARIA",
        description="As printed in the passport, Latin letters.",
        section="guest", mrz="read",
    ),
    Field(
        "sex", "code", N_("Sex"), 1, codes="sexes", normalise="upper", personal=False,
        column=N_("Sex (M/F/X)"), exported=True, example="F", section="guest", mrz="compare",
        widget="choice",
    ),
    Field(
        "date_of_birth", "partial_date", N_("Date of birth"), 10, column=N_("Date of birth"),
        exported=True, example="1974-08-12", pattern=r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
        description="YYYY-MM-DD, or YYYY / YYYY-MM when the passport shows it unknown.",
        section="guest", mrz="compare",
        hint=N_("Day/month/year, or only the year if the passport shows no day."),
    ),
    Field(
        "nationality", "code", N_("Nationality"), 3, codes="countries",
        normalise="nationality", personal=False, column=N_("Nationality"), exported=True,
        example="SWE", section="guest", mrz="compare", widget="combo",
        description="ISO 3166-1 alpha-3 or ICAO 9303 code (D, XXA, UNO…); see /codes.",
    ),
    Field(
        "document_type", "code", N_("Document type"), 40, codes="document_types",
        personal=False, stored_length=24, column=N_("Document type"), exported=True,
        example="passport", section="document", mrz="read",
    ),
    Field(
        "document_number", "document_number", N_("Document number"), 40, stored_length=20,
        column=N_("Document number"), exported=True, example="L898902C3",
        pattern="^[A-Za-z0-9 ]{1,40}$", section="document", mrz="compare",
    ),
    Field(
        "document_expiry", "day", N_("Document expiry date"), 10,
        column=N_("Document expiry"), exported=True, example="2030-04-15",
        section="document", mrz="compare",
    ),
    Field(
        "entry_kind", "code", N_("Entry paper"), 40, codes="entry_kinds", personal=False,
        stored_length=32, column=N_("Entry document"), example="e_visa", section="entry",
        defaulted=True,
    ),
    Field(
        "visa_category", "code", N_("Visa category"), 4, When("entry_kind", ("visa",)),
        codes="visa_categories", normalise="visa_category", personal=False,
        column=N_("Visa category"), exported=True, example="EV", section="entry",
    ),
    Field(
        "entry_document_number", "entry_number", N_("Visa or card number"), 20,
        When("entry_kind", tuple(k for k in codes.ENTRY_KINDS if k != "visa_exempt")),
        column=N_("Visa/card number"), example="EV12345678", section="entry",
    ),
    Field(
        "entry_document_issued_on", "day", N_("Visa or card issued on"), 10, False,
        column=N_("Visa/card issued on"),
    ),
    Field(
        "stay_permitted_until", "day", N_("Permitted to stay until"), 10,
        When("entry_kind", (*_VISAS, "temporary_residence_card")), personal=False,
        column=N_("Permitted stay until"), exported=True, example="2026-12-20",
        section="entry", defaulted=True,
    ),
    Field(
        "entry_date", "day", N_("Date of entry into Vietnam"), 10, personal=False,
        column=N_("Date of entry"), exported=True, example="2026-11-22", section="entry",
        defaulted=True, party=True,
    ),
    Field(
        "entry_port", "code", N_("Port of entry"), 40, codes="ports", personal=False,
        stored_length=20, column=N_("Port of entry"), exported=True, example="HAN",
        section="entry", defaulted=True, party=True,
    ),
    Field(
        "purpose", "code", N_("Purpose of entry"), 40, codes="purposes", personal=False,
        stored_length=24, column=N_("Purpose of entry"), example="tourism", section="entry",
        defaulted=True, party=True,
    ),
    Field(
        "arrived_at", "moment", N_("Arrival here (date and time)"), 40, personal=False,
        column=N_("Arrival (date and time)"), exported=True,
        example="2026-11-22T22:40:00+07:00", section="stay", defaulted=True, party=True,
        description="Arrival at the establishment; without an offset, Vietnam time.",
    ),
    Field(
        "expected_departure", "day", N_("Expected departure"), 10, personal=False,
        column=N_("Expected departure"), exported=True, example="2026-11-25",
        section="stay", party=True,
    ),
    Field(
        "room", "text", N_("Room"), 20, When(context="room_required"), column=N_("Room"),
        exported=True, example="301", section="stay", party=True,
    ),
    Field(
        "phone", "phone", N_("Phone"), 20, False, column=N_("Phone"), section="contact",
    ),
    Field(
        "email", "email", N_("E-mail"), 254, False, column=N_("E-mail"), section="contact",
    ),
    Field(
        # Often a family name: personal.
        "party_id", "text", N_("Party id"), 64, False, column=N_("Party id"),
        example="family-eriksson", party=True,
    ),
    Field(
        "party_leader", "bool", N_("Party leader"), 0, False, personal=False,
        column=N_("Party leader (yes/no)"), example=True,
    ),
    Field(
        "guardian_id", "uuid", N_("Guardian"), 36, False, personal=False,
        column=N_("Guardian's row id"),
    ),
    Field(
        "relationship", "code", N_("Relationship (for a minor travelling with this party)"),
        40, False, codes="relationships", personal=False, stored_length=16,
        column=N_("Relationship to guardian"), section="contact",
    ),
    Field(
        "mrz", "mrz", N_("Machine-readable zone (the two or three lines at the bottom of "
                         "the passport)"), 200, False,
        column=N_("Machine-readable zone (MRZ)"), section="passport",
        description="TD1, TD2 or TD3 lines.",
    ),
)  # fmt: skip

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
# Compared when the same id arrives again: everything but the device's clock.
TRANSIENT = frozenset({"declared_at"})


CORRECTABLE = tuple(f for f in FIELDS if f.correctable)
PERSONAL = tuple(f for f in FIELDS if f.personal)
EXPORTED = tuple(f for f in FIELDS if f.exported)
IN_SHEET = tuple(f for f in FIELDS if f.column)
CODED = tuple(f for f in FIELDS if f.codes)
COMPARED_WITH_MRZ = tuple(f for f in FIELDS if f.mrz == "compare")


@cache
def for_pwa() -> dict[str, Any]:
    """The table as the PWA gets it, written at build time next to its catalogs."""
    return {
        "fields": [f.as_json() for f in FIELDS],
        "sections": [{"key": key, "label": label} for key, label in SECTIONS],
    }
