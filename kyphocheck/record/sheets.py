"""`kyphocheck sheet`: take-home sheets for many patients at once (tomorrow's list, say).

Each answers file gives a folder like a record's, with the take-home sheet only: take-home.md
and its signature, take-home.pdf, and record.json (so `kyphocheck verify` checks it). The main
process reads, checks and renders each patient's sheet and signs the PDFs its workers lay out;
a patient is taken only when a worker is free, so memory stays flat however many files are
given. A bad file is a result with its reason and the others go on. Each folder is written
atomically: an interrupted batch leaves whole sheets and no half-written one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kyphocheck.errors import KyphocheckError
from kyphocheck.intake.prepare import Prepared, prepare
from kyphocheck.record.folder import folder_name, write_record_folder
from kyphocheck.record.pipeline import RecordDraft, add_pdf, start_record
from kyphocheck.record.workers import Job, WorkerPool
from kyphocheck.signatures.identity import Identity
from kyphocheck.site.data import SiteData
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock

KINDS = ("take-home",)


@dataclass(frozen=True)
class SheetResult:
    """What became of one answers file: its folder, or the reason there is none."""

    answers: Path
    folder: Path | None = None
    problem: str | None = None  # "FILE[:line]: reason"; several joined with "; "
    warnings: tuple[str, ...] = ()


def _problem(path: Path, error: BaseException) -> str:
    """The reason, naming the file (a loader's lines already do)."""
    lines = error.lines() if isinstance(error, KyphocheckError) else [str(error)]
    return "; ".join(line if line.startswith(str(path)) else f"{path}: {line}" for line in lines)


def make_sheets(
    site: Site,
    answers_files: Iterable[Path],
    out: Path,
    clock: Clock,
    identity: Identity | None,
    workers: WorkerPool,
    large_print: bool = False,
    fhir: Path | None = None,
) -> Iterator[SheetResult]:
    """Make a sheet folder for each answers file; a result for each, as each is done.

    `fhir`: one patient's FHIR bundle, with one answers file (the command checks).
    """
    waiting: dict[int, tuple[Path, Prepared, RecordDraft]] = {}
    failed: deque[SheetResult] = deque()
    loaded = SiteData(site)

    def jobs() -> Iterator[Job]:
        sent = 0
        for path in answers_files:
            try:
                # Made days ahead: the day-of answers are not known yet and not needed.
                prepared = prepare(site, path, clock, loaded, partial=True, fhir=fhir)
                if large_print:
                    prepared = prepared.in_large_print()
                draft = start_record(site, prepared, clock, identity, KINDS)
            except KyphocheckError as exc:
                failed.append(SheetResult(path, problem=_problem(path, exc)))
                continue
            waiting[sent] = (path, prepared, draft)
            sent += 1
            yield draft.pdf_jobs[0][1]

    for index, pdf in workers.run(jobs()):
        while failed:
            yield failed.popleft()
        path, prepared, draft = waiting.pop(index)
        yield _finish(path, prepared, draft, pdf, out, identity)
    while failed:
        yield failed.popleft()


def _finish(
    path: Path,
    prepared: Prepared,
    draft: RecordDraft,
    pdf: bytes | BaseException,
    out: Path,
    identity: Identity | None,
) -> SheetResult:
    if isinstance(pdf, KyphocheckError):
        return SheetResult(path, problem=_problem(path, pdf))
    if isinstance(pdf, BaseException):
        reason = f"the PDF could not be made: {type(pdf).__name__}: {pdf}"
        return SheetResult(path, problem=f"{path}: {reason}")
    try:
        add_pdf(draft, KINDS[0], pdf, identity)
        name = folder_name(
            prepared.encounter.procedure.scheduled,
            prepared.checklist.id,
            prepared.encounter.patient.mrn,
        )
        folder = write_record_folder(out, name, draft.files)
    except KyphocheckError as exc:
        return SheetResult(path, problem=_problem(path, exc))
    return SheetResult(path, folder, warnings=draft.warnings + prepared.encounter.notes)
