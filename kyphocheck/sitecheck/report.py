"""What `kyphocheck check` found, as data: problems with their check, place and level."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kyphocheck.errors import Problem
from kyphocheck.sitecheck.readability import ReadingGrade

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class SiteProblem:
    """One thing to fix in a site folder: which check found it, where, and how serious it is."""

    check: str  # schema, protocol, template, fixture, reading, coverage, vocabulary, pdf
    file: str
    line: int | None
    message: str
    level: Level = "error"
    subject: str = ""  # what the problem is about (a protocol row's name), for grouping

    @classmethod
    def of(cls, problem: Problem, check: str, level: Level = "error") -> SiteProblem:
        """A loader's problem as found by `check`."""
        return cls(check, problem.file, problem.line, problem.what, level)

    @property
    def where(self) -> str:
        """file:line, file, or nothing."""
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass
class CheckReport:
    """What `check` found."""

    site: str
    problems: list[SiteProblem] = field(default_factory=list)
    fixtures: list[str] = field(default_factory=list)
    # "file: rule id" (a rule as written, once even when checklists share it) -> the fixtures
    # that made it fire; empty when none did.
    coverage: dict[str, list[str]] = field(default_factory=dict)
    reading: list[ReadingGrade] = field(default_factory=list)
    documents_rendered: int = 0

    def failed(self, strict: bool) -> bool:
        """Whether CI should fail: any error, or with `strict` any warning."""
        return any(p.level == "error" or strict for p in self.problems)

    def add(self, problem: SiteProblem) -> None:
        """Add a problem once (a shared part's problem shows up for each checklist)."""
        if problem not in self.problems:
            self.problems.append(problem)
