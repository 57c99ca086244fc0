"""ICAO 9303 MRZ parsing against the shared vectors, and single-character corruption."""

from __future__ import annotations

import json
import string
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from server import mrz

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "mrz.json").read_text(encoding="utf-8")
)
TODAY = date.fromisoformat(VECTORS["today"])


@pytest.mark.parametrize("case", VECTORS["valid"], ids=lambda c: c["name"])
def test_valid_vectors_parse(case: dict[str, Any]) -> None:
    result = mrz.parse("\n".join(case["lines"]), TODAY)
    assert result.failed_checks == []
    for key, expected in case["expect"].items():
        assert getattr(result, key) == expected, key


@pytest.mark.parametrize("case", VECTORS["failing_checks"], ids=lambda c: c["name"])
def test_failing_check_digits_are_named(case: dict[str, Any]) -> None:
    result = mrz.parse("\n".join(case["lines"]), TODAY)
    assert result.failed_checks == case["failed"]


@pytest.mark.parametrize("case", VECTORS["bad_shape"], ids=lambda c: c["name"])
def test_bad_shapes_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(mrz.MrzFormatError) as caught:
        mrz.parse("\n".join(case["lines"]), TODAY)
    assert caught.value.code == case["code"]


def test_check_digit_of_the_icao_examples() -> None:
    assert mrz.check_digit("L898902C3") == "6"
    assert mrz.check_digit("740812") == "2"
    assert mrz.check_digit("120415") == "9"
    assert mrz.check_digit("ZE184226B<<<<<") == "1"


# Which characters of each line a check digit covers (including the digits themselves).
COVERED = {
    "TD3": {1: list(range(0, 10)) + list(range(13, 20)) + list(range(21, 44))},
    "TD2": {1: list(range(0, 10)) + list(range(13, 20)) + list(range(21, 36))},
    "TD1": {0: list(range(5, 30)), 1: list(range(0, 7)) + list(range(8, 15)) + list(range(18, 30))},
    # Visas carry no composite digit: the number and the two dates only.
    "MRVA": {1: list(range(0, 10)) + list(range(13, 20)) + list(range(21, 28))},
    "MRVB": {1: list(range(0, 10)) + list(range(13, 20)) + list(range(21, 28))},
}
ALPHABET = string.digits + string.ascii_uppercase + "<"


@pytest.mark.parametrize(
    "case", [c for c in VECTORS["valid"] if len(c["lines"]) > 1], ids=lambda c: c["name"]
)
def test_every_detectable_single_character_change_is_caught(case: dict[str, Any]) -> None:
    """Any change of one covered character to another of different value modulo 10 fails a
    check. (ICAO's 7-3-1 scheme cannot tell apart characters whose values agree modulo 10,
    such as 0, A, K, U and <: those changes are the scheme's known blind spot.)"""
    original = mrz.parse("\n".join(case["lines"]), TODAY)
    assert original.failed_checks == []
    caught = missed_blind = 0
    for line_no, positions in COVERED[original.format].items():
        for pos in positions:
            old = case["lines"][line_no][pos]
            for new in ALPHABET:
                if new == old:
                    continue
                lines = list(case["lines"])
                lines[line_no] = lines[line_no][:pos] + new + lines[line_no][pos + 1 :]
                result = mrz.parse("\n".join(lines), TODAY)
                same_value = mrz.char_value(new) % 10 == mrz.char_value(old) % 10
                if same_value:
                    missed_blind += not result.failed_checks
                else:
                    assert result.failed_checks, f"line {line_no} pos {pos}: {old}→{new}"
                    caught += 1
    assert caught > 500


def test_every_digit_change_in_dates_and_numbers_is_caught() -> None:
    lines = VECTORS["valid"][3]["lines"]
    for pos in list(range(0, 10)) + list(range(13, 20)) + list(range(21, 28)):
        old = lines[1][pos]
        if not old.isdigit():
            continue
        for new in string.digits:
            if new != old:
                changed = lines[1][:pos] + new + lines[1][pos + 1 :]
                assert mrz.parse(f"{lines[0]}\n{changed}", TODAY).failed_checks


def test_a_visa_is_told_from_a_passport_by_its_document_code() -> None:
    passport = VECTORS["valid"][0]["lines"]
    visa = ["V" + passport[0][1:], passport[1][:28] + "<" * 16]
    assert mrz.parse("\n".join(passport), TODAY).is_visa is False
    parsed = mrz.parse("\n".join(visa), TODAY)
    assert (parsed.format, parsed.is_visa, parsed.failed_checks) == ("MRVA", True, [])


def test_only_ascii_blanks_and_line_breaks_are_forgiven() -> None:
    """The PWA's twin forgives exactly these; other Unicode separators are not MRZ text."""
    lines = VECTORS["valid"][3]["lines"]
    assert mrz.parse(f" {lines[0]}\t\r\n\f{lines[1]} ", TODAY).failed_checks == []
    for separator in ("\x1c", "\x1e", "\x85", "\u2028", "\xa0"):
        with pytest.raises(mrz.MrzFormatError):
            mrz.parse(f"{lines[0]}{separator}{lines[1]}", TODAY)
