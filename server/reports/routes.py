"""Reports for the police and the establishments, on screen and as files."""

from starlette.routing import Route

from . import pages

# fmt: off
routes = [
    Route("/reports", pages.page, name="reports"),
    Route("/reports/export.csv", pages.export_csv, name="report_csv"),
    Route("/reports/export.xlsx", pages.export_xlsx, name="report_xlsx"),
]
# fmt: on
