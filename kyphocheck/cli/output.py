"""How command results look on the terminal (rich), readable without colour."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kyphocheck.cli.console import err, out, warn
from kyphocheck.signatures.identity import WARN_DAYS

if TYPE_CHECKING:
    from datetime import date, datetime

    from kyphocheck.interview.drafts import Draft
    from kyphocheck.record.log.listing import Listing
    from kyphocheck.record.pipeline import RecordResult
    from kyphocheck.record.sheets import SheetResult
    from kyphocheck.signatures.identity import Identity
    from kyphocheck.signatures.verify import Check
    from kyphocheck.site.checklist import Checklist
    from kyphocheck.site.folder import DataFile
    from kyphocheck.sitecheck.report import CheckReport

SEVERITY_STYLE = {"stop": "bold red", "notify": "bold yellow", "info": "cyan"}


def print_run_result(result: RecordResult) -> None:
    """The findings of a run and where its record is."""
    from rich.table import Table
    from rich.text import Text

    from kyphocheck.assess.outcome import Outcome

    record = result.record
    console = out()
    status = "CLEARED" if record["cleared"] else "NOT CLEARED"
    console.print(
        Text(f"{status}: ", style="bold green" if record["cleared"] else "bold red")
        + Text(f"{record['checklist']['id']} for MRN {record['patient']['mrn']}")
    )
    if record["findings"]:
        overridden = Outcome.of_record(record).overridden
        table = Table("severity", "item", "finding", show_lines=False, expand=False)
        for finding in record["findings"]:
            label = finding["severity"].upper()
            if finding["id"] in overridden:
                label += " (overridden)"
            table.add_row(
                Text(label, style=SEVERITY_STYLE[finding["severity"]]),
                Text(finding["item"]),
                Text(finding["message"]),
            )
        console.print(table)
    else:
        console.print("No findings.")
    console.print(Text("Record written: ") + Text(str(result.folder), style="bold"))


DRAFT_COLUMNS = ("draft", "patient", "MRN", "updated", "done", "checklist")
# Dropped in this order when the terminal is narrow. The id, the MRN and the time are never
# dropped nor cut: they are what tells two drafts apart (and the id is what resume takes).
DRAFT_DROPPABLE = (5, 4, 1)


def print_signed_by(identity: Identity) -> None:
    """Who signed what was just written: the signer as a person reads it, and the certificate.

    The name is the one the auditor will see in the record; the subject says which of the
    signer's certificates (a site may issue more than one) it was.
    """
    from rich.text import Text

    out().print(
        Text("Signed by: ")
        + Text(identity.signed_by, style="bold")
        + Text(f" (certificate {identity.subject})")
    )


def print_drafts(drafts: list[Draft]) -> None:
    """Drafts that can be resumed, one line each: initials and MRN only, never the name."""
    if not drafts:
        out().print("No drafts.")
        return
    for line in draft_lines(drafts, out().width):
        out().print(line, markup=False, soft_wrap=True)
    out().print("Resume one with: kyphocheck resume DRAFT", markup=False)


def draft_lines(drafts: list[Draft], width: int, now: datetime | None = None) -> list[str]:
    """The listing as lines of at most `width` (unless an id, MRN and time alone are wider)."""
    from datetime import datetime

    now = now or datetime.now().astimezone()
    rows = [DRAFT_COLUMNS, *(_draft_row(draft, now) for draft in drafts)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(DRAFT_COLUMNS))]
    shown = list(range(len(DRAFT_COLUMNS)))
    for column in DRAFT_DROPPABLE:
        if sum(widths[i] for i in shown) + 2 * (len(shown) - 1) <= width:
            break
        shown.remove(column)
    return ["  ".join(row[i].ljust(widths[i]) for i in shown).rstrip() for row in rows]


def describe_draft(draft: Draft, now: datetime | None = None) -> str:
    """One draft in a line, to confirm which one is meant."""
    from datetime import datetime

    _, initials, mrn, updated, done, checklist = _draft_row(
        draft, now or datetime.now().astimezone()
    )
    return f"{draft.id} ({initials}, MRN {mrn}, {checklist}, {done} answered, updated {updated})"


def _draft_row(draft: Draft, now: datetime) -> tuple[str, str, str, str, str, str]:
    progress = draft.progress
    return (
        draft.id,
        draft.initials,
        draft.mrn,
        _draft_time(draft, now),
        f"{progress.get('answered', 0)}/{progress.get('total', '?')}",
        str(draft.document.get("checklist") or "-"),
    )


def _draft_time(draft: Draft, now: datetime) -> str:
    """When the draft was last saved, in its procedure's or site's zone: "01 Dec 07:45 CST"."""
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(draft.updated_at)
    except ValueError:
        return draft.updated_at[:16] or "-"
    local = moment.astimezone(draft.zone())  # None: the computer's zone
    shape = "%d %b %H:%M %Z" if local.year == now.year else "%d %b %Y %H:%M %Z"
    return local.strftime(shape)


def print_identity(identity: Identity, now: datetime) -> None:
    """The signer's identity, never its key."""
    from rich.table import Table

    table = Table(show_header=False)
    table.add_row("signer", identity.name)
    table.add_row("credentials", identity.credentials or "-")
    table.add_row("subject", identity.subject)
    table.add_row("SHA-256", identity.fingerprint)
    table.add_row("expires", f"{identity.expires:%Y-%m-%d}")
    out().print(table)
    left = identity.expires - now
    if left.days < 0:
        warn(f"the certificate expired on {identity.expires:%Y-%m-%d}")
    elif left.days < WARN_DAYS:
        warn(f"the certificate expires in {left.days} days: make a new identity soon")


def print_verification(results: list[Check], all_passed: bool | None = None) -> None:
    """One row per check; readable without colour.

    `all_passed` when the rows shown are not all the checks made (verify --log shows the
    failed ones).
    """
    from rich.table import Table
    from rich.text import Text

    table = Table("file", "check", "result", "detail")
    for result in results:
        table.add_row(
            result.file,
            result.check,
            Text("PASS", style="green") if result.ok else Text("FAIL", style="bold red"),
            Text(result.detail),
        )
    out().print(table)
    failed = sum(not r.ok for r in results)
    passed = all_passed if all_passed is not None else bool(results) and not failed
    out().print("All checks passed." if passed else f"{failed} check(s) failed.")


def print_records(listing: Listing, day: date | None, *, as_json: bool) -> None:
    """`kyphocheck records`: one row per record, from the log (initials and MRN, no names)."""
    rows: list[dict[str, Any]] = [
        {
            "time": r.made_at.isoformat(),
            "record_id": r.entry.record_id,
            "folder": r.entry.folder,
            "patient": {"initials": r.entry.patient.initials, "mrn": r.entry.patient.mrn},
            "checklist": r.entry.checklist,
            "cleared": r.entry.cleared,
            "signer": r.entry.signer,
            "status": r.status or None,
            "amends": r.replaces,
            "superseded_by": list(r.superseded_by),
        }
        for r in listing.records
    ]
    if as_json:
        out().print_json(json.dumps(rows))
        return
    from rich.table import Table

    table = Table()
    # A day's list gives the time only; what must never be cut (MRN, id) does not wrap.
    for column in ("time", "patient", "checklist", "cleared", "signer", "record", "status"):
        keep = column in ("time", "patient", "cleared", "record")
        table.add_column(column, no_wrap=keep, overflow="fold")
    for r, row in zip(listing.records, rows, strict=True):
        cleared = {True: "cleared", False: "NOT CLEARED", None: "-"}[r.entry.cleared]
        table.add_row(
            f"{r.made_at:%H:%M}" if day is not None else f"{r.made_at:%Y-%m-%d %H:%M}",
            f"{r.entry.patient.initials} {r.entry.patient.mrn}",
            r.entry.checklist or "-",
            cleared,
            r.entry.signer or "UNSIGNED",
            r.entry.record_id,
            row["status"] or "",
        )
    out().print(table)
    when = "in all" if day is None else f"on {day.isoformat()}"
    out().print(f"{len(rows)} record(s) {when}; {listing.logged} in the log.")
    if listing.unreadable:
        warn(f"{len(listing.unreadable)} line(s) of the log are not entries: run verify --log")


def print_checklists(found: list[tuple[Checklist, DataFile]], *, as_json: bool) -> None:
    """The checklist listing."""
    rows: list[dict[str, Any]] = [
        {
            "id": checklist.id,
            "version": checklist.version,
            "title": checklist.title,
            "sha256": checklist.sha256,
            "file": data_file.display,
        }
        for checklist, data_file in found
    ]
    if as_json:
        out().print_json(json.dumps(rows))
        return
    from rich.table import Table

    table = Table("id", "version", "sha256", "file", "title")
    for row in rows:
        table.add_row(row["id"], row["version"], row["sha256"][:12], row["file"], row["title"])
    out().print(table)


def print_check(report: CheckReport, strict: bool) -> None:
    """`kyphocheck check` for people: the problems, rule coverage, reading grades, a verdict."""
    from rich.table import Table
    from rich.text import Text

    console = out()
    if report.problems:
        table = Table("where", "level", "check", "problem", show_lines=False)
        for where, level_name, check, message in _check_rows(report):
            fails = level_name == "error" or strict
            level = Text(level_name.upper(), style="bold red" if fails else "yellow")
            table.add_row(where or report.site, level, check, Text(message))
        console.print(table)
    coverage = Table("rule", "fixtures that make it fire", title="Rule coverage")
    for rule, fixtures in report.coverage.items():
        coverage.add_row(rule, str(len(fixtures)) if fixtures else Text("none", style="yellow"))
    console.print(coverage)
    if report.reading:
        reading = Table(
            "sheet", "fixture", "language", "formula", "grade", "max", title="Reading grade"
        )
        for grade in report.reading:
            reading.add_row(
                grade.document,
                grade.fixture,
                grade.language,
                grade.formula,
                f"{grade.grade:.1f}",
                "shown only" if grade.limit is None else f"{grade.limit:g}",
            )
        console.print(reading)
    errors = sum(1 for p in report.problems if p.level == "error")
    warnings = len(report.problems) - errors
    verdict = "FAILED" if report.failed(strict) else "PASSED"
    console.print(
        Text(f"{verdict}: ", style="bold red" if report.failed(strict) else "bold green")
        + Text(
            f"{errors} error(s), {warnings} warning(s)"
            + (" (--strict: warnings fail)" if strict else "")
            + f"; {report.documents_rendered} documents rendered from "
            f"{len(report.fixtures)} fixtures"
        )
    )


def _check_rows(report: CheckReport) -> list[tuple[str, str, str, str]]:
    """Errors first; the rows a site must confirm grouped one line per file (JSON lists each)."""
    rows: list[tuple[str, str, str, str]] = []
    unconfirmed: dict[str, list[str]] = {}
    for p in sorted(report.problems, key=lambda p: p.level != "error"):
        if p.check == "protocol" and p.level == "warning":
            unconfirmed.setdefault(p.file, []).append(f"{p.subject} ({p.line})")
            continue
        rows.append((p.where, p.level, p.check, p.message))
    for file, names in unconfirmed.items():
        rows.append(
            (
                file,
                "warning",
                "protocol",
                f"{len(names)} row(s) marked confirm: true, for the site's pharmacist to check "
                f"against their sources (line): {', '.join(names)}",
            )
        )
    return rows


@dataclass
class SheetTally:
    """What a batch of sheets came to, kept small: counts, and the failures to list."""

    written: int = 0
    failures: list[SheetResult] = field(default_factory=list)


def follow_sheets(results: Iterable[SheetResult], total: int, tally: SheetTally) -> None:
    """Show a batch's progress as it goes, and tally it.

    At a terminal: a bar with count, rate and time left. In CI and logs: a plain line per file.
    """
    import time

    console = err()
    started = time.monotonic()
    if console.is_terminal:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        columns = (
            TextColumn("Sheets"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("sheets", total=total, rate="")
            for result in results:
                _tally(tally, result, progress.console.print)
                done = tally.written + len(tally.failures)
                rate = done / max(time.monotonic() - started, 1e-6)
                progress.update(task, completed=done, rate=f"{rate:.1f}/s")
    else:
        for result in results:
            _tally(tally, result, lambda line: console.print(line, markup=False))
            done = tally.written + len(tally.failures)
            state = (
                f"{result.answers} -> {result.folder}"
                if result.folder
                else f"FAILED {result.problem}"
            )
            console.print(f"[{done}/{total}] {state}", markup=False)


def _tally(tally: SheetTally, result: SheetResult, say: Callable[[str], None]) -> None:
    if result.folder is None:
        tally.failures.append(result)
        return
    tally.written += 1
    for warning in result.warnings:
        say(f"warning: {result.answers}: {warning}")
