"""Starting and resuming an interactive run: drafts, signals, and the record at the end.

Ctrl-C, SIGTERM and SIGHUP (the terminal closed) all end the same way: the draft, saved after
every answer, is saved once more, one line says how to resume, and the exit code is 130.
"""

from __future__ import annotations

import contextlib
import copy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyphocheck.cli.console import err, warn
from kyphocheck.cli.interactive.prompts import EndOfInput, Prompter
from kyphocheck.cli.signals import interrupt_signals
from kyphocheck.errors import InputError, Interrupted, KyphocheckError, Problem, UsageError
from kyphocheck.header import HEADER_PROMPTS
from kyphocheck.intake.answers_file import refuse_file_clock
from kyphocheck.intake.prepare import agree_on_checklist, fill_from_bundle, prepare_document
from kyphocheck.interview.drafts import Draft, DraftStore
from kyphocheck.interview.ehr import filled_by_ehr
from kyphocheck.interview.state import Interview
from kyphocheck.record.amendment import SAME_PATIENT, Amends
from kyphocheck.record.pipeline import RecordResult, write_record
from kyphocheck.record.workers import WorkerPool
from kyphocheck.signatures.identity import Identity
from kyphocheck.site.checklist import UnknownChecklist, list_checklists, load_checklist
from kyphocheck.site.data import SiteData, load_site_protocol
from kyphocheck.site.folder import Site
from kyphocheck.times import Clock
from kyphocheck.yamlio import ANSWERS_FILE, load_data_file

# What to do without a terminal. `run` can take every answer from a file; a draft can only be
# finished at the prompts (`resume` has no --non-interactive), so its advice must not offer it.
RUN_ADVICE = "use --non-interactive with --answers FILE"
RESUME_ADVICE = "resume the draft in a terminal (kyphocheck drafts lists them)"
AMEND_ADVICE = "use --non-interactive with --answers FILE (--export-answers writes them)"


def require_terminal(advice: str = RUN_ADVICE) -> None:
    """Refuse, before any prompt is drawn, to prompt without a terminal."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(f"no terminal to ask questions on: {advice}")


@dataclass(frozen=True)
class Options:
    """What the command line chose for a run."""

    site: Site
    clock: Clock
    out: Path | None
    no_sign: bool
    identity: Identity | None = None
    workers: WorkerPool | None = None  # started by the command, before the key was loaded
    large_print: bool = False
    amends: Amends | None = None  # `amend`: the verified record this run corrects


def start(
    options: Options,
    prompter: Prompter,
    answers: Path | None,
    checklist_id: str | None,
    store: DraftStore,
    fhir: Path | None = None,
) -> RecordResult:
    """A new interactive run, pre-filled from an answers file and a FHIR bundle if given.

    The answers file's values are taken as given (it was written for this); the bundle's are
    offered at each prompt to confirm, and each last dose it gives is asked again.
    """
    document: dict[str, Any] = {"patient": {}, "procedure": {}, "answers": {}}
    if answers is not None:
        data = load_data_file(answers, limits=ANSWERS_FILE)
        if not isinstance(data, dict):
            raise InputError(Problem(str(answers), message="an answers file must be a mapping"))
        refuse_file_clock(data, str(answers), options.clock)  # its clock is --now, or none
        if checklist_id is not None:
            agree_on_checklist(checklist_id, data, str(answers))
        for key in ("checklist", "patient", "procedure", "answers", "overrides"):
            if key in data:
                document[key] = _plain(data[key])
    loaded = SiteData(options.site)  # protocol and checklists, loaded once for this run
    unfilled = copy.deepcopy(document)
    if fhir is not None:
        if checklist_id is not None:
            document["checklist"] = checklist_id
        fill_from_bundle(loaded, fhir, document, options.clock)
    chosen = checklist_id or document.get("checklist")
    if chosen is None:
        available = [c for c, _ in list_checklists(options.site)]
        chosen = prompter.select(
            "Which checklist?", [(f"{c.title} ({c.version})", c.id) for c in available]
        )
        if fhir is not None:  # again, for the checklist's units and decimals
            document = {**unfilled, "checklist": chosen}
            fill_from_bundle(loaded, fhir, document, options.clock)
    try:
        checklist = loaded.checklist(str(chosen))
    except UnknownChecklist as exc:
        if checklist_id is None:
            raise
        [problem] = exc.problems
        raise InputError(Problem(field="--checklist", message=problem.message)) from None
    document["checklist"] = checklist.id
    draft = Draft.new(document)
    draft.site = str(options.site.root) if options.site.root else None
    draft.out = str(options.out) if options.out else None
    draft.no_sign = options.no_sign
    interview = Interview(options.site, checklist, loaded.protocol(), options.clock, draft, store)
    if fhir is not None:
        _show_ehr(interview)
    if answers is not None or fhir is not None:
        _prefill(interview)
    return _run(interview, prompter, options, store)


def _show_ehr(interview: Interview) -> None:
    """What the bundle filled, to be confirmed at each prompt, and what it could not."""
    ehr = interview.document["ehr"]
    prompts = {f"answers.{c.item.id}": c.item.prompt for c in interview.checklist.items}
    prompts.update({f"{part}.{key}": text for (part, key), text in HEADER_PROMPTS.items()})
    # In the nurse's words: "Date of birth", "Platelet count", not "dob", "platelets".
    named = [
        prompts.get(key, key.partition(".")[2].replace("_", " ")).split(" (")[0]
        for key in ehr["filled"]
    ]
    filled = ", ".join(named) or "nothing"
    err().print(
        f"From the EHR bundle: {filled}. Each is offered at its question to confirm; "
        "check the patient's details against the wristband.",
        markup=False,
    )
    for note in ehr["notes"]:
        warn(f"EHR bundle: {note}")


def amend(options: Options, prompter: Prompter, record: Path, store: DraftStore) -> RecordResult:
    """An amendment at the terminal: the original's answers pre-filled, then the review.

    Everything is already answered, so the nurse lands on the run's own review screen and
    changes what was wrong. The draft remembers what it amends: resumed, it stays one.
    """
    amends = options.amends
    assert amends is not None, "amend needs the verified original"
    document = _plain(amends.answers_document())
    checklist = load_checklist(options.site, str(document["checklist"]))
    draft = Draft.new(document)
    draft.site = str(options.site.root) if options.site.root else None
    draft.out = str(options.out) if options.out else None
    draft.amends = {
        "record": str(record.resolve()),
        "id": amends.original["record_id"],
        "sha256": amends.sha256,
        "reason": amends.reason,
        "patient": {key: document["patient"].get(key) for key in SAME_PATIENT},
    }
    interview = Interview(
        options.site, checklist, load_site_protocol(options.site), options.clock, draft, store
    )
    _prefill(interview)
    err().print(
        f"Amending record {amends.original['record_id']} (reason: {amends.reason}). "
        "Change what was wrong, then finish: the original is kept as it is.",
        markup=False,
    )
    return _run(interview, prompter, options, store, advice=f"; for scripts {AMEND_ADVICE}")


def resume(
    options: Options, prompter: Prompter, draft_id: str | None, store: DraftStore
) -> RecordResult:
    """Continue a draft exactly where it stopped."""
    draft = store.load(draft_id) if draft_id else store.latest()
    checklist = load_checklist(options.site, str(draft.document["checklist"]))
    interview = Interview(
        options.site, checklist, load_site_protocol(options.site), options.clock, draft, store
    )
    err().print(f"Resuming draft {draft.id} ({draft.initials}).", markup=False)
    for note in (draft.document.get("ehr") or {}).get("notes", ()):
        warn(f"EHR bundle: {note}")  # again: they scrolled away before the interruption
    if draft.checklist_sha256 and draft.checklist_sha256 != checklist.sha256:
        warn(
            f"the checklist '{checklist.id}' changed since this draft was saved; "
            "every saved answer is checked again"
        )
        _prefill(interview)
    return _run(interview, prompter, options, store, advice="")


def _prefill(interview: Interview) -> None:
    """Keep the valid answers of a document (marked as asked), drop and report the rest.

    Answers from an EHR bundle are kept but not marked as asked: each is offered to confirm.
    """
    with contextlib.suppress(InputError):
        for line in interview.revalidate():
            warn(f"{line}; it will be asked again")
    from_ehr = filled_by_ehr(interview.document)
    interview.draft.visited = [
        c.item.id
        for c in interview.checklist.items
        if c.item.id in interview.answers and f"answers.{c.item.id}" not in from_ehr
    ]
    interview.pin_times()


def _run(
    interview: Interview,
    prompter: Prompter,
    options: Options,
    store: DraftStore,
    *,
    advice: str = f"; for scripts {RUN_ADVICE}",
) -> RecordResult:
    from kyphocheck.cli.interactive.review import run_flow

    try:
        with interrupt_signals():
            run_flow(interview, prompter)
    except KeyboardInterrupt:
        _save_quietly(interview)
        raise Interrupted(
            f"Interrupted: the draft is saved. Resume with: kyphocheck resume {interview.draft.id}"
        ) from None
    except EndOfInput:
        _save_quietly(interview)
        raise UsageError(
            f"the input ended: the draft is saved (kyphocheck resume {interview.draft.id})" + advice
        ) from None
    prepared = prepare_document(options.site, interview.document, options.clock)
    if options.large_print:
        prepared = prepared.in_large_print()
    out = options.out or Path(interview.draft.out or options.site.config.output_folder or "records")
    result = write_record(
        options.site,
        prepared,
        out,
        options.clock,
        options.identity,
        options.workers,
        options.amends,
    )
    with contextlib.suppress(KyphocheckError, OSError):
        store.discard(interview.draft.id)
    return result


def _save_quietly(interview: Interview) -> None:
    with contextlib.suppress(Exception):
        interview.save()


def _plain(value: Any) -> Any:
    """YAML data as plain JSON-ready values (line-tracking containers become dict and list)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
