"""`kyphocheck check` reports for machines: JSON, JUnit XML, and GitHub workflow commands.

The text table for people is in report.py. With --strict a warning counts as a failure, in the
exit code and in each format alike.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

from kyphocheck import __version__
from kyphocheck.sitecheck.report import CheckReport, SiteProblem

CHECKS = {
    "schema": "checklist, protocol and site.yaml files load",
    "protocol": "protocol rows are confirmed",
    "template": "templates compile and render for every fixture",
    "fixture": "fixtures are valid answers files",
    "reading": "patient sheets are within the reading grade",
    "coverage": "every rule fires for some fixture",
    "vocabulary": "the tables know every medicine and allergy in the fixtures",
    "pdf": "documents print as PDF",
}


def _fails(problem: SiteProblem, strict: bool) -> bool:
    return problem.level == "error" or strict


def to_json(report: CheckReport, strict: bool) -> str:
    """The whole report as JSON."""
    data = {
        "tool": {"name": "kyphocheck", "version": __version__},
        "site": report.site,
        "ok": not report.failed(strict),
        "strict": strict,
        "problems": [
            {
                "check": p.check,
                "level": p.level,
                "file": p.file,
                "line": p.line,
                "message": p.message,
            }
            for p in report.problems
        ],
        "fixtures": report.fixtures,
        "documents_rendered": report.documents_rendered,
        "coverage": report.coverage,
        "reading": [
            {
                "document": g.document,
                "fixture": g.fixture,
                "language": g.language,
                "formula": g.formula,
                "grade": round(g.grade, 1),
                "limit": g.limit,
                "hardest": [{"grade": round(s, 1), "sentence": t} for s, t in g.worst],
            }
            for g in report.reading
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def to_junit(report: CheckReport, strict: bool) -> str:
    """JUnit XML: a test suite per kind of check, a test case per problem (or one that passed).

    Errors are failures; warnings are passing cases that say so in their output, unless
    `strict` makes them failures too.
    """
    root = ElementTree.Element("testsuites", name="kyphocheck check")
    total = failed = 0
    for check, title in CHECKS.items():
        problems = [p for p in report.problems if p.check == check]
        suite = ElementTree.SubElement(root, "testsuite", name=f"kyphocheck.{check}")
        cases = 0
        suite_failures = 0
        for problem in problems:
            cases += 1
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"kyphocheck.{check}",
                name=f"{problem.where or report.site}: {problem.message}"[:200],
                file=problem.file,
            )
            if problem.line:
                case.set("line", str(problem.line))
            if _fails(problem, strict):
                suite_failures += 1
                failure = ElementTree.SubElement(
                    case, "failure", message=problem.message, type=problem.level
                )
                failure.text = f"{problem.where}: {problem.message}"
            else:
                out = ElementTree.SubElement(case, "system-out")
                out.text = f"warning: {problem.where}: {problem.message}"
        if not problems:
            cases += 1
            ElementTree.SubElement(suite, "testcase", classname=f"kyphocheck.{check}", name=title)
        suite.set("tests", str(cases))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        total += cases
        failed += suite_failures
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    ElementTree.indent(root)
    xml = ElementTree.tostring(root, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(report: CheckReport, strict: bool) -> str:
    """GitHub Actions workflow commands: one ::error or ::warning line per problem."""
    lines = []
    for problem in report.problems:
        command = "error" if _fails(problem, strict) else "warning"
        properties = [f"title={_escape_property(f'kyphocheck {problem.check}')}"]
        if problem.file:
            properties.insert(0, f"file={_escape_property(problem.file)}")
            if problem.line:
                properties.insert(1, f"line={problem.line}")
        lines.append(f"::{command} {','.join(properties)}::{_escape_data(problem.message)}")
    state = "failed" if report.failed(strict) else "passed"
    lines.append(
        f"kyphocheck check {state}: {len(report.problems)} problem(s), "
        f"{report.documents_rendered} documents rendered from {len(report.fixtures)} fixtures"
    )
    return "\n".join(lines) + "\n"
