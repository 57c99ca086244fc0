"""Lưu trú: foreign guests' temporary residence declarations (server side)."""

from starlette.convertors import IntegerConvertor, StringConvertor, register_url_convertor


class _DatabaseInteger(IntegerConvertor):
    """``{name:int}`` in a path: at most 18 digits, so every id fits a 64-bit column; a
    longer number cannot name anything and is not found (instead of overflowing the
    database driver)."""

    regex = "[0-9]{1,18}"


class _RecordId(StringConvertor):
    """``{name:uuid}`` in a path: a UUID in its usual written form, any case, kept as
    text. Anything else is another route or none (PUT /declarations/batch is a wrong
    method on the batch, not an unknown declaration)."""

    regex = "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"


# Before any route is declared (routes compile their patterns when created).
register_url_convertor("int", _DatabaseInteger())
register_url_convertor("uuid", _RecordId())
