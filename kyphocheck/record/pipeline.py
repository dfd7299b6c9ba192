"""One encounter from answers to a record folder: the core the commands call.

checklist + protocol + answers -> assess (pure) -> record -> render -> folder.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyphocheck.assess import Assessment, assess
from kyphocheck.intake.prepare import Prepared, prepare
from kyphocheck.record.amendment import Amends, amendment_fields, check_same_encounter
from kyphocheck.record.build import build_record, canonical_json, check_overrides, seal_id
from kyphocheck.record.documents import render_documents
from kyphocheck.record.folder import folder_name, write_record_folder
from kyphocheck.record.workers import Job, WorkerPool
from kyphocheck.signatures.identity import Identity
from kyphocheck.signatures.timestamps import Tsa
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock


@dataclass(frozen=True)
class RecordResult:
    """What a run produced."""

    folder: Path
    record: dict[str, Any]
    assessment: Assessment
    warnings: tuple[str, ...]


@dataclass
class RecordDraft:
    """A record with its Markdown files made and signed, waiting for its PDFs."""

    record: dict[str, Any]
    files: dict[str, bytes]
    assessment: Assessment
    warnings: tuple[str, ...]
    pdf_jobs: list[tuple[str, Job]]  # (kind, job that lays out kind.pdf)
    tsa: Tsa | None = None  # the site's time-stamping authority, when it has one


def start_record(
    site: Site,
    prepared: Prepared,
    clock: Clock,
    identity: Identity | None = None,
    kinds: tuple[str, ...] = ("summary", "take-home"),
    amends: Amends | None = None,
) -> RecordDraft:
    """Assess, build, render and sign the Markdown of a record; its PDFs are still to be made.

    record.json lists the SHA-256 of every file that does not embed it (the Markdown files and
    their signatures); each PDF embeds record.json itself and is protected by its own signature.
    `kinds` are the documents to make: both for a record, the take-home sheet for `sheet`.
    """
    from kyphocheck.record.pdf import PdfRequest, layout_hashes, render_pdf

    assessment = assess(prepared.checklist, prepared.protocol, prepared.encounter, clock.now)
    check_overrides(prepared.encounter, assessment, prepared.source, prepared.data)
    record = build_record(
        prepared.checklist,
        prepared.protocol,
        prepared.encounter,
        assessment,
        clock,
        site.config.name,
    )
    if amends is not None:  # a corrected version of a signed record: it says what it replaces
        check_same_encounter(amends, record, str(prepared.source))
        record.update(amendment_fields(amends, record))
    tsa, tsa_warnings = _site_tsa(site) if identity is not None else (None, ())
    if identity is not None:
        signed_at = clock.real_now()
        identity.check_usable(signed_at)
        record["signature"] = identity.as_record(signed_at)
        if tsa is not None:
            # Signed into record.json, so that verify can tell a token stripped from a
            # signature (which leaves the signature valid) from one never asked for.
            record["signature"]["timestamp_url"] = tsa.url
    # The documents the record consists of: verify requires each, so none can be deleted.
    record["documents"] = list(kinds)
    record = seal_id(record)
    documents = render_documents(record, prepared.checklist, site, kinds)
    markdown = {name: text.encode() for name, text in documents.files.items()}
    files: dict[str, bytes] = dict(markdown)
    if identity is not None:
        from kyphocheck.signatures.sign import sign_detached_cms

        for name, data in markdown.items():
            files[f"{name}.p7s"] = sign_detached_cms(data, identity, tsa)
    record["templates"] = {**documents.templates, **layout_hashes(site.template_dirs)}
    record["files"] = {
        name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())
    }
    record_json = canonical_json(record)
    files["record.json"] = record_json
    if identity is not None:
        # record.json is signed itself: with the PDFs (which embed it) deleted, it still is.
        files["record.json.p7s"] = sign_detached_cms(record_json, identity, tsa)
    jobs = [
        (
            kind,
            Job(
                render_pdf,
                (
                    PdfRequest.for_document(
                        kind,
                        documents.files[f"{kind}.md"],
                        record,
                        record_json,
                        prepared.checklist.title,
                        prepared.checklist.procedure_name,
                        site.template_dirs,
                        documents.languages[f"{kind}.md"],
                    ),
                ),
            ),
        )
        for kind in kinds
    ]
    warnings = (*tsa_warnings, *documents.warnings)
    return RecordDraft(record, files, assessment, warnings, jobs, tsa)


def _site_tsa(site: Site) -> tuple[Tsa | None, tuple[str, ...]]:
    """The site's TSA, asked once before anything is signed, and a warning if it is skipped.

    A TSA that cannot be reached stops the run (TimestampUnavailable, exit 2) unless the site
    says `sign_without_timestamp: true`.
    """
    url = site.config.timestamp_url
    if url is None:
        return None, ()
    from kyphocheck.signatures.timestamps import TimestampUnavailable, reachable_tsa

    try:
        return reachable_tsa(url), ()
    except TimestampUnavailable as exc:
        if not site.config.sign_without_timestamp:
            raise
        return None, (f"{exc}; signed without a timestamp (sign_without_timestamp: true)",)


def add_pdf(draft: RecordDraft, kind: str, pdf: bytes, identity: Identity | None) -> None:
    """Sign a PDF a worker laid out (here, where the key is) and add it to the record's files."""
    if identity is not None:
        from kyphocheck.signatures.sign import sign_pdf

        reason = f"kyphocheck record {draft.record['record_id']} ({kind})"
        pdf = sign_pdf(pdf, identity, reason=reason, role=kind, tsa=draft.tsa)
    draft.files[f"{kind}.pdf"] = pdf


def make_record_files(
    site: Site,
    prepared: Prepared,
    clock: Clock,
    identity: Identity | None = None,
    workers: WorkerPool | None = None,
    amends: Amends | None = None,
) -> tuple[dict[str, Any], dict[str, bytes], Assessment, tuple[str, ...]]:
    """Assess, build, render and (with an identity) sign all of a record's files; none written.

    The PDFs are laid out by `workers` (started here when not given) and signed here.
    """
    from kyphocheck.record.pdf import start_pdf_workers

    draft = start_record(site, prepared, clock, identity, amends=amends)
    with contextlib.ExitStack() as stack:
        pool = workers or stack.enter_context(start_pdf_workers(len(draft.pdf_jobs)))
        made = pool.run(job for _, job in draft.pdf_jobs)
        if identity is not None:
            from kyphocheck.signatures.sign import preload_signing

            preload_signing()  # while the workers lay out the pages
        for index, pdf in made:
            if isinstance(pdf, BaseException):
                raise pdf
            add_pdf(draft, draft.pdf_jobs[index][0], pdf, identity)
    return draft.record, draft.files, draft.assessment, draft.warnings


def write_record(
    site: Site,
    prepared: Prepared,
    out: Path,
    clock: Clock,
    identity: Identity | None = None,
    workers: WorkerPool | None = None,
    amends: Amends | None = None,
) -> RecordResult:
    """Make the record's files and write them as a new record folder."""
    record, files, assessment, warnings = make_record_files(
        site, prepared, clock, identity, workers, amends
    )
    name = folder_name(
        prepared.encounter.procedure.scheduled,
        prepared.checklist.id,
        prepared.encounter.patient.mrn,
    )
    folder = write_record_folder(out, name, files)
    return RecordResult(folder, record, assessment, warnings + prepared.encounter.notes)


def run_to_folder(
    site: Site, answers_path: Path, out: Path, clock: Clock, identity: Identity | None = None
) -> RecordResult:
    """The whole scripted run: read, assess, render, sign, write the record folder."""
    return write_record(site, prepare(site, answers_path, clock), out, clock, identity)
