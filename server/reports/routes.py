"""Reports for the police and the establishments, on screen and as files."""

from starlette.routing import Route

from ..db import from_replica
from . import pages

# Reports read the replica when DATABASE_READ_URL names one (a moment behind the primary).
# fmt: off
routes = [
    Route("/reports", from_replica(pages.page), name="reports"),
    Route("/reports/export.csv", from_replica(pages.export_csv), name="report_csv"),
    Route("/reports/export.xlsx", from_replica(pages.export_xlsx), name="report_xlsx"),
]
# fmt: on
