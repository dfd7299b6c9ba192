"""Checklists: sections of items and the rules that turn answers into findings.

A checklist file may `extend` a shared part (checklists/parts/NAME.yaml): the part's sections
come first, and a section of the checklist with the same id adds its items to the part's.
Everything is validated when loaded, so a nurse never meets a broken checklist at the bedside.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from kyphocheck.errors import InputError, Problem, quoted
from kyphocheck.expressions import (
    Expression,
    ExpressionError,
    check_names,
    compile_expression,
    sandbox,
    suggest,
)
from kyphocheck.schema import Strict, validation_problems
from kyphocheck.site.checklist_files import (
    CONTEXT_NAMES,
    ChecklistFile,
    Item,
    PartFile,
    Rule,
    Section,
)
from kyphocheck.site.folder import DataFile, Site
from kyphocheck.yamlio import format_loc, line_of


@dataclass(frozen=True)
class Origin:
    """Where something was written: for messages that point at the right line."""

    file: str
    data: Any = field(repr=False)
    loc: tuple[str | int, ...]

    def problem(self, message: str, *fields: str | int) -> Problem:
        """A problem with a field of this object, on the field's own line."""
        loc = [*self.loc, *fields]
        return Problem(self.file, line_of(self.data, loc), format_loc(loc), message)


@dataclass(frozen=True)
class CompiledItem:
    """An item with its expressions compiled."""

    item: Item
    section: str
    when: Expression | None
    required: Expression | bool
    validators: tuple[tuple[Expression, str], ...]

    # The one definition of "applies", "required" and "valid", for answers files and prompts.
    # Each raises ExpressionError when the checklist's own expression fails.

    def applies(self, context: dict[str, Any]) -> bool:
        """Whether the item is asked at all: its `when` holds (or it has none)."""
        return self.when is None or bool(self.when.evaluate(context))

    def required_in(self, context: dict[str, Any]) -> bool:
        """Whether the item must be answered, its `required` condition evaluated in `context`."""
        if isinstance(self.required, bool):
            return self.required
        return bool(self.required.evaluate(context))

    def check(self, value: Any, context: dict[str, Any]) -> str | None:
        """The message of the first validator the typed `value` fails, or None when it passes."""
        for expression, message in self.validators:
            if not expression.evaluate({**context, "value": value}):
                return message
        return None


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its expressions compiled."""

    rule: Rule
    when: Expression
    message: Any  # a jinja2 Template
    names: frozenset[str]
    # Where the rule is written (file, line, `rules[i].id`; no message), for messages about it.
    origin: Problem = Problem()


@dataclass(frozen=True)
class Checklist:
    """A checklist ready to use: merged with its part, validated, expressions compiled."""

    id: str
    version: str
    title: str
    procedure_name: str
    patient_description: str
    sections: tuple[Section, ...]
    items: tuple[CompiledItem, ...]
    rules: tuple[CompiledRule, ...]
    sha256: str
    files: tuple[str, ...]

    @cached_property
    def by_id(self) -> dict[str, CompiledItem]:
        """Items by id."""
        return {compiled.item.id: compiled for compiled in self.items}


class UnknownChecklist(InputError):
    """No checklist of that id: the caller names the file or option that asked for it."""


def _load_model(data_file: DataFile, model: type[Strict]) -> tuple[Any, Any]:
    data = data_file.load()
    try:
        return model.model_validate(data), data
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, data_file.display)) from None


def _line(data: Any, *path: str | int) -> int | None:
    return line_of(data, list(path))


def load_checklist(site: Site, checklist_id: str) -> Checklist:
    """Load, merge and validate the checklist called `checklist_id`."""
    available = site.files_in("checklists")
    data_file = available.get(f"{checklist_id}.yaml")
    if data_file is None:
        ids = [name.removesuffix(".yaml") for name in available]
        raise UnknownChecklist(
            Problem(message=f"unknown checklist {quoted(checklist_id)}{suggest(checklist_id, ids)}")
        )
    checklist, data = _load_model(data_file, ChecklistFile)
    assert isinstance(checklist, ChecklistFile)
    if checklist.id != checklist_id:
        raise InputError(
            Problem(
                data_file.display,
                _line(data, "id"),
                "id",
                f"'{checklist.id}' must match the file name '{checklist_id}'",
            )
        )

    # Merge the part's sections and rules with the checklist's, remembering origins.
    sections: list[dict[str, Any]] = []
    origins: dict[tuple[str, str], Origin] = {}
    rules: list[tuple[Rule, Origin]] = []
    files = [data_file.display]
    layers: list[tuple[DataFile, Any, tuple[Section, ...], tuple[Rule, ...]]] = []
    if checklist.extends:
        part_file = site.find(f"checklists/parts/{checklist.extends}.yaml")
        part, part_data = _load_model(part_file, PartFile)
        assert isinstance(part, PartFile)
        layers.append((part_file, part_data, part.sections, part.rules))
        files.append(part_file.display)
    layers.append((data_file, data, checklist.sections, checklist.rules))

    problems: list[Problem] = []
    for layer_file, layer_data, layer_sections, layer_rules in layers:
        for s_index, section in enumerate(layer_sections):
            existing = next((s for s in sections if s["id"] == section.id), None)
            if existing is None:
                if section.title is None:
                    line = _line(layer_data, "sections", s_index)
                    problems.append(
                        Problem(
                            layer_file.display,
                            line,
                            f"sections[{s_index}].title",
                            "a new section needs a title",
                        )
                    )
                existing = {"id": section.id, "title": section.title, "items": []}
                sections.append(existing)
            for i_index, item in enumerate(section.items):
                loc = ("sections", s_index, "items", i_index)
                origins[("item", item.id)] = Origin(layer_file.display, layer_data, loc)
                existing["items"].append(item)
        for r_index, rule in enumerate(layer_rules):
            rules.append((rule, Origin(layer_file.display, layer_data, ("rules", r_index))))

    compiled_items, item_problems = _compile_items(sections, origins)
    problems += item_problems
    compiled_rules, rule_problems = _compile_rules(rules, [c.item.id for c in compiled_items])
    problems += rule_problems
    if problems:
        raise InputError(problems)

    merged_sections = tuple(
        Section(id=s["id"], title=s["title"], items=tuple(s["items"])) for s in sections
    )
    canonical = json.dumps(
        {
            "checklist": checklist.model_dump(mode="json", exclude={"sections", "rules"}),
            "sections": [s.model_dump(mode="json", by_alias=True) for s in merged_sections],
            "rules": [r.model_dump(mode="json") for r, _ in rules],
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return Checklist(
        id=checklist.id,
        version=checklist.version,
        title=checklist.title,
        procedure_name=checklist.procedure_name,
        patient_description=checklist.patient_description,
        sections=merged_sections,
        items=tuple(compiled_items),
        rules=tuple(compiled_rules),
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        files=tuple(files),
    )


def _compile(source: str, known: list[str] | frozenset[str], what: str) -> Expression:
    expression = compile_expression(source)
    check_names(expression, set(known) | CONTEXT_NAMES, what)
    return expression


def _compile_items(
    sections: list[dict[str, Any]], origins: dict[tuple[str, str], Origin]
) -> tuple[list[CompiledItem], list[Problem]]:
    compiled: list[CompiledItem] = []
    problems: list[Problem] = []
    earlier: list[str] = []
    for section in sections:
        for item in section["items"]:
            origin = origins[("item", item.id)]
            if item.id in earlier:
                problems.append(origin.problem(f"duplicate item id '{item.id}'", "id"))
                continue
            when = required = None
            validators = []
            try:
                if item.when:
                    when = _compile(item.when, earlier, "item")
            except ExpressionError as exc:
                problems.append(origin.problem(str(exc), "when"))
            try:
                if isinstance(item.required, str):
                    required = _compile(item.required, earlier, "item")
            except ExpressionError as exc:
                problems.append(origin.problem(str(exc), "required"))
            for v_index, validator in enumerate(item.validate_):
                try:
                    expression = _compile(validator.expr, [*earlier, "value"], "item")
                    validators.append((expression, validator.message))
                except ExpressionError as exc:
                    problems.append(origin.problem(str(exc), "validate", v_index, "expr"))
            compiled.append(
                CompiledItem(
                    item=item,
                    section=section["id"],
                    when=when,
                    required=required if required is not None else bool(item.required),
                    validators=tuple(validators),
                )
            )
            earlier.append(item.id)
    return compiled, problems


def _compile_rules(
    rules: list[tuple[Rule, Origin]], item_ids: list[str]
) -> tuple[list[CompiledRule], list[Problem]]:
    compiled: list[CompiledRule] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for rule, origin in rules:
        if rule.id in seen:
            problems.append(origin.problem(f"duplicate rule id '{rule.id}'", "id"))
            continue
        seen.add(rule.id)
        if rule.item not in item_ids:
            unknown = f"unknown item '{rule.item}'{suggest(rule.item, item_ids)}"
            problems.append(origin.problem(unknown, "item"))
            continue
        try:
            when = _compile(rule.when, item_ids, "item")
        except ExpressionError as exc:
            problems.append(origin.problem(str(exc), "when"))
            continue
        try:
            message = sandbox().from_string(rule.message)
        except Exception as exc:  # noqa: BLE001 - any template error is a problem in the file
            problems.append(origin.problem(f"not a valid template: {exc}", "message"))
            continue
        compiled.append(
            CompiledRule(
                rule=rule,
                when=when,
                message=message,
                names=when.names & set(item_ids),
                origin=origin.problem("", "id"),
            )
        )
    return compiled, problems


def list_checklists(site: Site) -> list[tuple[Checklist, DataFile]]:
    """Every checklist available to the site, loaded, with the file each came from."""
    found = []
    for name, data_file in site.files_in("checklists").items():
        found.append((load_checklist(site, name.removesuffix(".yaml")), data_file))
    return found
