"""The reports' running totals (reports/rollups.py keeps them)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ReportTotals(Model):
    """What the declarations received on one day (or in one month) at one place add up
    to, every figure of the report in one JSON object: ``{figure: {value: count}}``,
    e.g. ``{"t": {"": 41}, "c": {"KOR": 12, "USA": 3, …}, …}`` (``rollups.py`` names the
    figures).

    ``level`` is the place's kind: ``e`` establishment, ``u`` police unit, ``p`` province,
    ``n`` the nation (place 0). ``period`` is ``d`` for a day, ``m`` for the month that
    starts on ``day``. One row per place and day keeps the table smaller than the
    declarations it sums, and a year of a province is a few hundred rows to read."""

    id = fields.BigIntField(primary_key=True)
    level = fields.CharField(max_length=1)
    place = fields.IntField()
    period = fields.CharField(max_length=1)
    day = fields.DateField()
    counts: dict[str, Any] = fields.JSONField(default=dict)

    class Meta:
        table = "report_totals"
        unique_together = (("level", "place", "period", "day"),)
