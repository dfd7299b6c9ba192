"""`kyphocheck check`: everything in a site folder that would break or mislead at the bedside.

A site's informatics team runs this in CI before a change reaches a nurse. It loads every
checklist and protocol file (schema, duplicate ids, expressions), lists the drug-table rows the
site has still to confirm, renders every template against every fixture (the site's own plus
the built-in ones, which together make every default rule fire), measures the reading grade of
the patient sheets, and reports the rules no fixture makes fire and the fixtures' medicine and
allergy words the protocol's tables do not recognise. Each problem names its file and line.
Nothing here prints: the report is data for the front end and the CI formats.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateSyntaxError

from kyphocheck.assess import assess
from kyphocheck.errors import InputError, KyphocheckError, Problem
from kyphocheck.intake.answers_file import build_encounter, read_answers_file
from kyphocheck.record.build import build_record, canonical_json, seal_id
from kyphocheck.record.documents import SUMMARY_TEMPLATE, document_context
from kyphocheck.record.pdf import PdfRequest
from kyphocheck.record.render import make_environment, render
from kyphocheck.record.workers import Job, WorkerPool
from kyphocheck.site.checklist import Checklist, CompiledRule, load_checklist
from kyphocheck.site.codes import load_code_maps
from kyphocheck.site.data import load_site_protocol
from kyphocheck.site.folder import Site
from kyphocheck.site.protocol import PROTOCOL_FILES, Protocol
from kyphocheck.sitecheck.fixtures import Fixture, find_fixtures, fixture_zone, morning_of
from kyphocheck.sitecheck.readability import ReadingPolicy, reading_grades, reading_policy
from kyphocheck.sitecheck.report import CheckReport, Level, SiteProblem
from kyphocheck.sitecheck.site_fields import sheet_field_problems
from kyphocheck.sitecheck.vocabulary import unrecognised_words
from kyphocheck.times import Clock
from kyphocheck.yamlio import LineDict, LineList

_TAKE_HOME = re.compile(r"^take-home(?:\.(?P<language>[a-z]{2,3}))?\.md\.j2$")


def check_site(site: Site, now: datetime | None = None, pdf: bool = False) -> CheckReport:
    """Check a site folder (or the defaults) and report every problem found."""
    report = CheckReport(site=str(site.root) if site.root else "(defaults)")
    printing: list[_Printing] = []
    with contextlib.ExitStack() as stack:
        workers = None
        if pdf:  # started first: they load WeasyPrint while the templates are checked
            from kyphocheck.record.pdf import start_pdf_workers

            workers = stack.enter_context(start_pdf_workers())
        _check_everything(site, now, report, printing if workers else None)
        if workers is not None:
            _print_all(site, workers, printing, report)
    if site.root is not None:
        _show_relative_to(site.root, report)
    return report


def _check_everything(
    site: Site, now: datetime | None, report: CheckReport, printing: list[_Printing] | None
) -> None:
    try:
        site.config  # noqa: B018 - loads and validates site.yaml
    except InputError as exc:
        _add_lines(report, exc, "schema")
        config_loaded = False
    else:
        config_loaded = True
    protocol = _check_protocol(site, report)
    policy = None
    try:
        policy = reading_policy(site)
    except InputError as exc:
        _add_lines(report, exc, "schema")
    checklists = _check_checklists(site, report)
    templates = _check_template_syntax(site, report)
    # Reported after rendering, which they do not stop.
    languages = {t.language for t in templates if t.language}
    missing = sheet_field_problems(site, languages) if config_loaded else []
    fixtures = find_fixtures(site)
    report.fixtures = [f.display for f in fixtures]
    for checklist in checklists.values():
        for compiled in checklist.rules:
            report.coverage.setdefault(_rule_key(compiled), [])
    if protocol is not None and not any(p.level == "error" for p in report.problems):
        for fixture in fixtures:
            _check_fixture(
                site, fixture, checklists, protocol, templates, policy, now, printing, report
            )
    _report_coverage(checklists, report)
    for problem in missing:
        report.add(problem)


def _show_relative_to(root: Path, report: CheckReport) -> None:
    """Name the site's files from its root, as CI annotations and a site's git repo do."""
    prefix = f"{root}/"

    def shown(text: str) -> str:
        return text.replace(prefix, "", 1) if text.startswith(prefix) else text

    report.problems = [
        replace(p, file=shown(p.file), message=p.message.replace(prefix, ""))
        for p in report.problems
    ]
    report.fixtures = [shown(f) for f in report.fixtures]
    report.coverage = {
        shown(rule): [shown(f) for f in fixtures] for rule, fixtures in report.coverage.items()
    }
    report.reading = [
        replace(g, document=shown(g.document), fixture=shown(g.fixture)) for g in report.reading
    ]


def _add_lines(
    report: CheckReport, error: KyphocheckError, check: str, level: Level = "error"
) -> None:
    problems = error.problems if isinstance(error, InputError) else [Problem(message=error.message)]
    for problem in problems:
        report.add(SiteProblem.of(problem, check, level))


def _check_protocol(site: Site, report: CheckReport) -> Protocol | None:
    try:
        protocol = load_site_protocol(site)
    except InputError as exc:
        _add_lines(report, exc, "schema")
        return None
    for name in PROTOCOL_FILES:
        data_file = site.find(f"checklists/protocol/{name}")
        for line, what in unconfirmed_rows(data_file.load()):
            report.add(
                SiteProblem(
                    "protocol",
                    data_file.display,
                    line,
                    f"{what}: marked confirm: true; the site's pharmacist must check this row "
                    "against its source",
                    "warning",
                    subject=what,
                )
            )
    try:
        load_code_maps(site, protocol.drugs)  # the RxNorm and LOINC mappings of --fhir
    except InputError as exc:
        _add_lines(report, exc, "schema")
    return protocol


def unconfirmed_rows(data: Any) -> Iterator[tuple[int | None, str]]:
    """(line, name) of every row marked `confirm: true`, wherever it is in a protocol file.

    Read from the file's data rather than the models, so each comes with its line.
    """
    if isinstance(data, LineDict):
        if data.get("confirm") is True:
            name = next(
                (str(data[k]) for k in ("generic", "id", "drug", "name") if k in data), "row"
            )
            yield data.key_lines.get("confirm"), name
        for value in data.values():
            yield from unconfirmed_rows(value)
    elif isinstance(data, LineList):
        for value in data:
            yield from unconfirmed_rows(value)


def _check_checklists(site: Site, report: CheckReport) -> dict[str, Checklist]:
    loaded: dict[str, Checklist] = {}
    for name in site.files_in("checklists"):
        checklist_id = name.removesuffix(".yaml")
        try:
            loaded[checklist_id] = load_checklist(site, checklist_id)
        except InputError as exc:
            _add_lines(report, exc, "schema")
    return loaded


@dataclass(frozen=True)
class _Template:
    name: str
    display: str
    language: str | None  # for take-home sheets: "en", "es", ...


def _check_template_syntax(site: Site, report: CheckReport) -> list[_Template]:
    """Every Markdown template, compiled; the ones that compile are returned for rendering."""
    env = make_environment(site.template_dirs, ZoneInfo("UTC"))
    usable = []
    names = sorted({p.name for folder in site.template_dirs for p in folder.glob("*.md.j2")})
    for name in names:
        display = site.find(f"templates/{name}").display
        take_home = _TAKE_HOME.match(name)
        try:
            env.get_template(name)
        except TemplateSyntaxError as exc:
            report.add(SiteProblem("template", display, exc.lineno, exc.message or str(exc)))
            continue
        language = (take_home.group("language") or "en") if take_home else None
        usable.append(_Template(name, display, language))
    return usable


def _check_fixture(
    site: Site,
    fixture: Fixture,
    checklists: dict[str, Checklist],
    protocol: Protocol,
    templates: list[_Template],
    policy: ReadingPolicy | None,
    now: datetime | None,
    printing: list[_Printing] | None,
    report: CheckReport,
) -> None:
    # A built-in fixture may not fit a site's own checklist: that is worth a warning only.
    level: Level = "warning" if fixture.built_in else "error"
    try:
        parsed, data = read_answers_file(fixture.path)
        checklist = checklists.get(parsed.checklist)
        if checklist is None:
            report.add(
                SiteProblem(
                    "fixture",
                    fixture.display,
                    None,
                    f"checklist '{parsed.checklist}' did not load",
                    level,
                )
            )
            return
        zone = fixture_zone(parsed.procedure.timezone or site.config.timezone)
        # The fixture's own clock first: its times were written for it, whatever --now says.
        start = parsed.clock or now or morning_of(parsed.procedure.scheduled, zone)
        clock = Clock(start, fixed=True)
        encounter = build_encounter(
            parsed, data, str(fixture.path), checklist, protocol, clock.now, site.config.timezone
        )
        assessment = assess(checklist, protocol, encounter, clock.now)
    except InputError as exc:
        for problem in exc.problems:
            report.add(SiteProblem("fixture", fixture.display, problem.line, problem.what, level))
        return
    for unrecognised in unrecognised_words(fixture.display, encounter, data, protocol):
        report.add(unrecognised)
    record = seal_id(
        build_record(checklist, protocol, encounter, assessment, clock, site.config.name)
    )
    fired = {finding["id"] for finding in record["findings"]}
    for compiled in checklist.rules:
        fixtures = report.coverage[_rule_key(compiled)]
        if compiled.rule.id in fired and fixture.display not in fixtures:
            fixtures.append(fixture.display)
    context = document_context(record, checklist, site)
    rendered: dict[str, str] = {}
    for template in templates:
        env = make_environment(site.template_dirs, zone, template.language or "en")
        try:
            text = render(env, template.name, context)
        except InputError as exc:
            for problem in exc.problems:
                report.add(
                    SiteProblem(
                        "template",
                        template.display,
                        problem.line,
                        f"{problem.what} (rendering {fixture.display})",
                    )
                )
            continue
        report.documents_rendered += 1
        rendered[template.name] = text
        for number, line in enumerate(text.splitlines(), start=1):
            if "{{" in line or "{%" in line:
                report.add(
                    SiteProblem(
                        "template",
                        template.display,
                        None,
                        f"output line {number} still holds template code ({line.strip()[:60]!r}) "
                        f"(rendering {fixture.display})",
                    )
                )
                break
        if template.language is not None and policy is not None:
            language, shown = template.language, template.display
            for grade in reading_grades(text, language, shown, fixture.display, policy):
                report.reading.append(grade)
                if not grade.too_hard:
                    continue
                worst = "; ".join(f"{g:.1f}: {s!r}" for g, s in grade.worst)
                report.add(
                    SiteProblem(
                        "reading",
                        template.display,
                        None,
                        f"reading grade {grade.grade:.1f} ({grade.formula}) is above the site's "
                        f"maximum {grade.limit:g} "
                        f"(rendering {fixture.display}); hardest sentences: {worst}",
                    )
                )
    if printing is not None:
        record_json = canonical_json(record)
        languages = {t.name: t.language or "en" for t in templates}
        for name, text in rendered.items():
            request = PdfRequest.for_document(
                "summary" if name == SUMMARY_TEMPLATE else "take-home",
                text,
                record,
                record_json,
                checklist.title,
                checklist.procedure_name,
                site.template_dirs,
                languages[name],
            )
            printing.append(_Printing(name, fixture.display, request))


@dataclass(frozen=True)
class _Printing:
    """A rendered document to print as a PDF, and what to say if it cannot be."""

    template: str
    fixture: str
    request: PdfRequest


def _print_all(
    site: Site, workers: WorkerPool, printing: list[_Printing], report: CheckReport
) -> None:
    """Print every rendered document: a broken layout or stylesheet fails here.

    So does a layout that makes the PDF load a file outside the template folders or a URL:
    reported once for the layout, whatever document and fixture it was printing.
    """
    from kyphocheck.record.pdf import LAYOUT, RefusedResources, render_pdf

    layout = site.find(f"templates/{LAYOUT}").display
    jobs = [Job(render_pdf, (p.request,)) for p in printing]
    for index, result in workers.run(jobs):
        if isinstance(result, RefusedResources):
            for problem in result.problems:
                report.add(SiteProblem("pdf", layout, None, problem.message))
        elif isinstance(result, BaseException):
            what = printing[index]
            line = getattr(result, "lineno", None)
            report.add(
                SiteProblem(
                    "pdf",
                    layout,
                    line if isinstance(line, int) else None,
                    f"{what.template} could not be printed: {type(result).__name__}: {result} "
                    f"(rendering {what.fixture})",
                )
            )


def _rule_key(compiled: CompiledRule) -> str:
    return f"{compiled.origin.file}: {compiled.rule.id}"


def _report_coverage(checklists: dict[str, Checklist], report: CheckReport) -> None:
    reported = set()
    for checklist in checklists.values():
        for compiled in checklist.rules:
            key = _rule_key(compiled)
            if report.coverage.get(key) or key in reported:
                continue
            reported.add(key)
            report.add(
                SiteProblem(
                    "coverage",
                    compiled.origin.file,
                    compiled.origin.line,
                    f"rule '{compiled.rule.id}' fires for no fixture: add a fixture that makes "
                    "it fire",
                    "warning",
                )
            )
