"""The reader's committed glyph templates are the ones the font gives today."""

from __future__ import annotations

from tests.scan import glyphs


def test_the_committed_templates_match_the_font() -> None:
    """pwa/js/scan/glyphs.js is generated; run `python -m tests.scan.glyphs` after a change."""
    assert glyphs.OUT.read_text() == glyphs.source()
