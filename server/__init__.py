"""Lưu trú: foreign guests' temporary residence declarations (server side)."""

from starlette.convertors import IntegerConvertor, register_url_convertor


class _DatabaseInteger(IntegerConvertor):
    """``{name:int}`` in a path: at most 18 digits, so every id fits a 64-bit column; a
    longer number cannot name anything and is not found (instead of overflowing the
    database driver)."""

    regex = "[0-9]{1,18}"


# Before any route is declared (routes compile their patterns when created).
register_url_convertor("int", _DatabaseInteger())
