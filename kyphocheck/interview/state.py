"""The state of an interactive run, free of any terminal code.

Its single source of truth is an answers document in the answers-file format (version 1). Each
answer the nurse gives is checked by the same code as an answers file, the draft saved after it
is that document, and the record at the end is made from it exactly as a scripted run would
make it: interrupted, resumed and uninterrupted runs cannot differ.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from kyphocheck import header
from kyphocheck.assess import Assessment, Finding, assess
from kyphocheck.errors import InputError, Problem
from kyphocheck.expressions import ExpressionError
from kyphocheck.intake.answers_file import (
    AnswersFile,
    PatientFields,
    ProcedureFields,
    build_encounter,
)
from kyphocheck.intake.context import encounter_context
from kyphocheck.intake.encounter import Encounter
from kyphocheck.intake.values import Problems, convert
from kyphocheck.interview.amendment_lock import identity_refusal
from kyphocheck.interview.drafts import Draft, DraftStore
from kyphocheck.interview.ehr import forget_source
from kyphocheck.schema import Severity
from kyphocheck.site.checklist import Checklist, CompiledItem
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import Protocol
from kyphocheck.times import Clock

# (part, key) of every header field, in asking order.
HEADER_FIELDS: tuple[tuple[str, str], ...] = tuple((f.part, f.key) for f in header.HEADER_FIELDS)


@dataclass(frozen=True)
class Change:
    """What one answer changed: answers dropped, findings that appeared or were resolved."""

    dropped: tuple[str, ...]
    new: tuple[Finding, ...]
    cleared: tuple[Finding, ...]


@dataclass
class Interview:
    """One patient's checklist being filled in."""

    site: Site
    checklist: Checklist
    protocol: Protocol
    clock: Clock
    draft: Draft
    store: DraftStore | None = None
    _findings: tuple[Finding, ...] = field(default=(), init=False)
    # (revision of the document, the encounter or the error it gave): see encounter()
    _built: tuple[str, Encounter | InputError] | None = field(default=None, init=False)

    # -- the document -------------------------------------------------------------------------

    @property
    def document(self) -> dict[str, Any]:
        """The answers document (the draft's)."""
        return self.draft.document

    @property
    def answers(self) -> dict[str, Any]:
        """Raw answers by item id, as an answers file holds them."""
        answers: dict[str, Any] = self.document.setdefault("answers", {})
        return answers

    def header_value(self, part: str, key: str) -> Any:
        """A header field's raw value, or None."""
        return self.document.setdefault(part, {}).get(key)

    def set_header(self, part: str, key: str, value: Any) -> None:
        """Set a header field and save."""
        if value != self.header_value(part, key):
            forget_source(self.document, f"{part}.{key}")
        self.document.setdefault(part, {})[key] = value
        self.save()

    def header_problem(self, part: str, key: str, value: Any) -> str | None:
        """Why the header cannot take this value (None if it can), the answers given included.

        A new start, date of birth or zone can make a given answer wrong (a last meal after the
        start): the change is refused, naming that answer, rather than the answer dropped.
        """
        refusal = identity_refusal(self.draft.amends, part, key, value)
        if refusal is not None:
            return refusal
        document = copy.deepcopy(self.document)
        document.setdefault(part, {})[key] = value
        probe = Interview(self.site, self.checklist, self.protocol, self.clock, Draft("", document))
        try:
            probe.encounter()
        except InputError as exc:
            wrong = [p for p in exc.problems if len(p.loc) > 1 and p.loc[0] == "answers"]
            if not wrong:
                return exc.problems[0].what
            return self._wrong_answers(wrong)
        return None

    def _wrong_answers(self, wrong: list[Problem]) -> str:
        """The first answer a header change would make wrong, in the nurse's words."""
        first = wrong[0]
        item_id = str(first.loc[1])
        prompt = self.checklist.by_id[item_id].item.prompt.split(" (")[0]
        named = f"the answer to '{prompt}'"
        entry = first.loc[2] if len(first.loc) > 2 else None
        listed = self.answers.get(item_id)
        if isinstance(entry, int) and isinstance(listed, list) and entry < len(listed):
            named += f" ({listed[entry].get('name') or listed[entry].get('substance')})"
        more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
        return f"{named} would be wrong: {first.message}{more}; change it first"

    def change_header(self, part: str, key: str, value: Any) -> Change:
        """Change a header field from the review: what applies and the findings follow it."""
        before = self._findings
        if value != self.header_value(part, key):
            forget_source(self.document, f"{part}.{key}")
        self.document.setdefault(part, {})[key] = value
        return self._settle(before)

    def invalid_header_fields(self) -> list[tuple[str, str]]:
        """Header fields that are missing or do not validate, in asking order."""
        bad: set[tuple[str, str]] = {
            (part, key) for part, key in HEADER_FIELDS if self.header_value(part, key) is None
        }
        for part, model in (("patient", PatientFields), ("procedure", ProcedureFields)):
            values = {k: v for k, v in self.document.get(part, {}).items() if v is not None}
            try:
                model.model_validate(values)
            except ValidationError as exc:
                bad |= {(part, str(e["loc"][0])) for e in exc.errors() if e["loc"]}
        default_zone = self.site.config.timezone
        if not self.header_value("procedure", "timezone") and default_zone:
            bad.discard(("procedure", "timezone"))
        elif not self.header_value("procedure", "timezone"):
            bad.add(("procedure", "timezone"))
        try:
            self.encounter()
        except InputError as exc:
            bad |= {(str(f[0]), str(f[1])) for f in exc.fields if f and f[0] != "answers"}
        return [f for f in HEADER_FIELDS if f in bad]

    # -- checking -----------------------------------------------------------------------------

    def _parsed(self, answers: dict[str, Any] | None = None) -> AnswersFile:
        document = copy.deepcopy(self.document)
        document["checklist"] = self.checklist.id
        if answers is not None:
            document["answers"] = answers
        document.setdefault("answers", {})
        try:
            return AnswersFile.model_validate(document)
        except ValidationError as exc:
            raise InputError(f"header: {exc.errors()[0]['msg']}") from None

    def encounter(self, *, partial: bool = True) -> Encounter:
        """The encounter as far as it is answered (InputError while the header is incomplete).

        Built once per revision of the answers document: every question asks for it several
        times (what applies, what is required, the findings), and building it checks every
        answer.
        """
        revision = json.dumps([self.document, partial], sort_keys=True, default=str)
        if self._built is None or self._built[0] != revision:
            try:
                built: Encounter | InputError = build_encounter(
                    self._parsed(),
                    self.document,
                    "answers",
                    self.checklist,
                    self.protocol,
                    self.clock.now,
                    self.site.config.timezone,
                    partial=partial,
                )
            except InputError as exc:
                built = exc
            self._built = (revision, built)
        if isinstance(self._built[1], InputError):
            raise self._built[1]
        return self._built[1]

    def assessment(self) -> Assessment:
        """Findings for the answers given so far."""
        return assess(self.checklist, self.protocol, self.encounter(), self.clock.now)

    def check_value(self, item_id: str, raw: Any) -> Any:
        """The typed value of `raw` for an item, or ValueError saying what to type instead."""
        compiled = self.checklist.by_id[item_id]
        encounter = self.encounter()
        problems = Problems("answer", {})
        typed = convert(
            compiled, raw, encounter, self.protocol, self.clock.now, ["answers", item_id], problems
        )
        if problems.found:
            raise ValueError("; ".join(p.message for p in problems.found))
        try:
            refused = compiled.check(typed, self._context(encounter))
        except ExpressionError as exc:
            raise ValueError(f"the checklist's check failed: {exc}") from None
        if refused is not None:
            raise ValueError(refused)
        return typed

    def _context(
        self, encounter: Encounter, answers: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        item_ids = [c.item.id for c in self.checklist.items]
        given = encounter.answers if answers is None else answers
        return encounter_context(self.protocol, encounter, given, self.clock.now, item_ids)

    # -- moving through the checklist ---------------------------------------------------------

    def applicable(self) -> list[CompiledItem]:
        """Items whose `when` holds for the answers so far, in checklist order."""
        encounter = self.encounter()
        answers: dict[str, Any] = {}
        result = []
        for compiled in self.checklist.items:
            if not compiled.applies(self._context(encounter, answers)):
                continue
            result.append(compiled)
            if compiled.item.id in encounter.answers:
                answers[compiled.item.id] = encounter.answers[compiled.item.id]
        return result

    def is_required(self, compiled: CompiledItem) -> bool:
        """Whether an item must be answered, its `required` condition evaluated now."""
        return compiled.required_in(self._context(self.encounter()))

    def next_item(self) -> CompiledItem | None:
        """The first item that applies and has not been asked yet."""
        for compiled in self.applicable():
            if compiled.item.id not in self.draft.visited:
                return compiled
        return None

    def set_answer(self, item_id: str, raw: Any, *, done: bool = True) -> Change:
        """Record an answer (None clears it), drop answers that no longer apply, save.

        `done=False` keeps the item open (a medication list still being filled in).
        """
        before = self._findings
        if raw != self.answers.get(item_id):
            forget_source(self.document, f"answers.{item_id}")
        if raw is None:
            self.answers.pop(item_id, None)
        else:
            self.answers[item_id] = raw
        if done and item_id not in self.draft.visited:
            self.draft.visited.append(item_id)
        return self._settle(before)

    def _settle(self, before: tuple[Finding, ...]) -> Change:
        """After a change: drop what no longer applies, reopen what is now needed, reassess."""
        dropped = self._drop_inapplicable()
        self._reopen_required()
        self.save()
        self._findings = self.assessment().findings
        return Change(
            dropped=tuple(dropped),
            new=tuple(f for f in self._findings if f not in before),
            cleared=tuple(f for f in before if f.id not in {n.id for n in self._findings}),
        )

    def _reopen_required(self) -> None:
        """Ask again the items left unanswered that are now required (fasting once sedated)."""
        answered = self.answers
        for compiled in self.applicable():
            item_id = compiled.item.id
            reopen = item_id in self.draft.visited and item_id not in answered
            if reopen and self.is_required(compiled):
                self.draft.visited.remove(item_id)

    def pending_entry(self, item_id: str) -> dict[str, Any]:
        """The fields given so far of a list entry being made (kept across interruptions)."""
        pending = self.draft.pending
        if pending and pending.get("item") == item_id:
            return dict(pending["entry"])
        return {}

    def set_pending(self, item_id: str, entry: dict[str, Any] | None) -> None:
        """Save the fields of a list entry as they are given; None when it is done."""
        self.draft.pending = None if entry is None else {"item": item_id, "entry": entry}
        self.save()

    def _drop_inapplicable(self) -> list[str]:
        applicable = {c.item.id for c in self.applicable()}
        dropped = [item_id for item_id in list(self.answers) if item_id not in applicable]
        for item_id in dropped:
            del self.answers[item_id]
        self.draft.visited = [i for i in self.draft.visited if i in applicable]
        return dropped

    def refresh_findings(self) -> tuple[Finding, ...]:
        """Assess the answers now and remember the findings (for the next change)."""
        self._findings = self.assessment().findings
        return self._findings

    def revalidate(self) -> list[str]:
        """Drop saved answers the checklist no longer accepts; return one line per drop.

        Used when a draft is resumed against a checklist that changed since it was saved.
        """
        lines: list[str] = []
        for _ in range(len(self.checklist.items) + 1):
            try:
                self.encounter()
                break
            except InputError as exc:
                bad = {str(f[1]) for f in exc.fields if len(f) > 1 and f[0] == "answers"}
                if not bad:
                    raise
                lines.extend(p.what for p in exc.problems if p.message)
                for item_id in bad:
                    self.answers.pop(item_id, None)
                    if item_id in self.draft.visited:
                        self.draft.visited.remove(item_id)
        lines += [f"answers.{i}: no longer applies; dropped" for i in self._drop_inapplicable()]
        self.save()
        return lines

    def pin_times(self) -> None:
        """Write each answered time as the moment it was read as: with its UTC offset.

        An answers file may give wall-clock times of the procedure's zone ("2026-11-30T22:00").
        Times typed at the terminal are stored with their offset; after this, so are the file's,
        and a time whose zone is only implied never reaches a screen or a later zone change.
        """
        try:
            encounter = self.encounter()
        except InputError:
            return  # nothing is read as a moment yet: the header is still incomplete
        for compiled in self.checklist.items:
            value = encounter.answers.get(compiled.item.id)
            if compiled.item.type == "datetime" and isinstance(value, datetime):
                self.answers[compiled.item.id] = value.isoformat()
        raw = self.answers.get("medications")
        read = encounter.answers.get("medications") or []
        if isinstance(raw, list) and len(raw) == len(read):
            for entry, medication in zip(raw, read, strict=True):
                if isinstance(entry, dict) and medication.last_dose is not None:
                    entry["last_dose"] = medication.last_dose.isoformat()
        self.save()

    # -- overrides and progress ---------------------------------------------------------------

    @property
    def overrides(self) -> dict[str, dict[str, str]]:
        """The overrides recorded so far, by the id of the finding each sets aside."""
        return {o["finding"]: o for o in self.document.get("overrides", [])}

    def add_override(self, finding_id: str, by: str, reason: str) -> None:
        """Record the proceduralist's override of a stop finding."""
        overrides = self.document.setdefault("overrides", [])
        overrides[:] = [o for o in overrides if o["finding"] != finding_id]
        overrides.append({"finding": finding_id, "by": by, "reason": reason})
        self.save()

    def remove_override(self, finding_id: str) -> None:
        """Undo an override: the finding is a stop again."""
        overrides = self.document.setdefault("overrides", [])
        overrides[:] = [o for o in overrides if o["finding"] != finding_id]
        self.save()

    def drop_stale_overrides(self) -> list[dict[str, str]]:
        """Remove the overrides whose stop finding is gone (its answer changed); return them.

        The record accepts an override only of a stop finding it holds: one left behind would
        refuse the record at the very end.
        """
        stops = {f.id for f in self._findings if f.severity is Severity.STOP}
        overrides = self.document.get("overrides", [])
        stale = [o for o in overrides if o["finding"] not in stops]
        if stale:
            overrides[:] = [o for o in overrides if o["finding"] in stops]
            self.save()
        return stale

    def progress(self) -> tuple[int, int]:
        """(answered, applicable) item counts."""
        applicable = self.applicable()
        answered = sum(1 for c in applicable if c.item.id in self.draft.visited)
        return answered, len(applicable)

    def section_position(self, compiled: CompiledItem) -> tuple[int, int, str]:
        """(k, n, title) of the item's section."""
        sections = self.checklist.sections
        index = next(i for i, s in enumerate(sections) if s.id == compiled.section)
        return index + 1, len(sections), sections[index].title or sections[index].id

    def save(self) -> None:
        """Save the draft now (atomically)."""
        self.draft.checklist_sha256 = self.checklist.sha256
        self.draft.updated_at = datetime.now().astimezone().isoformat()
        self.document["checklist"] = self.checklist.id
        try:
            answered, total = self.progress()
            self.draft.progress = {"answered": answered, "total": total}
        except (InputError, ExpressionError):
            self.draft.progress = {"answered": 0, "total": len(self.checklist.items)}
        if self.store is not None:
            self.store.save(self.draft)
