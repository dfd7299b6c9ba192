"""What a site's site.yaml must say for its patients' sheets: who to call, when and where to come.

A sheet without a phone number or an arrival time is one a patient cannot act on at night, so a
site that leaves them out fails the check. The built-in defaults have no site to ask: a run
without a site warns instead (see `SiteConfig.missing_for_sheets`).
"""

from __future__ import annotations

from kyphocheck.site.folder import Site
from kyphocheck.sitecheck.report import SiteProblem

_WHY = {
    "clinic_phone": "the take-home sheet gives it as the number to call",
    "arrive_minutes_before": "the take-home sheet says when to arrive (minutes before the start)",
    "arrival_place": "the take-home sheet says where to arrive",
}


def sheet_field_problems(site: Site, languages: set[str]) -> list[SiteProblem]:
    """An error for each field the sheet needs that site.yaml leaves out.

    And a warning when it gives no 24-hour phone, or an arrival place a sheet in one of
    `languages` (those of the site's take-home templates) would print in another language.
    """
    if site.root is None:
        return []
    where = str(site.root / "site.yaml")
    config = site.config
    problems = [
        SiteProblem("schema", where, None, f"{name}: required: {_WHY[name]}")
        for name in config.missing_for_sheets()
    ]
    place = config.arrival_place
    if place:
        given = set(place) if isinstance(place, dict) else {"en"}
        problems += [
            SiteProblem(
                "schema",
                where,
                None,
                f"arrival_place: no text in '{language}': the '{language}' take-home sheet "
                "prints it in another language (give it by language, e.g. "
                f"{{en: ..., {language}: ...}})",
                "warning",
            )
            for language in sorted(languages - given)
        ]
    if not config.after_hours_phone:
        problems.append(
            SiteProblem(
                "schema",
                where,
                None,
                "after_hours_phone: not set: the take-home sheet can only say to go to the "
                "emergency room when the office is closed",
                "warning",
            )
        )
    return problems
