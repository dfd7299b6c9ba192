"""A checklist as a FHIR R4 Questionnaire (SDC): items, types, answer options, enableWhen.

A `when` that FHIR's enableWhen can say (an item answered yes or no, answered at all, a choice
equal or not to a value) becomes enableWhen; any other (age, computed values, `and`/`or`) is
carried as SDC's enableWhenExpression extension with the Jinja expression as text, marked as
such: it is not FHIRPath, and an EHR that cannot run it shows the item always. `required` is
set where the checklist requires the item and FHIR can say when it applies.
"""

from __future__ import annotations

import re
from typing import Any

from kyphocheck.intake.fhir_items import (
    CHECKSUM_SYSTEM,
    ENTRY_PARTS,
    HEADER_PARTS,
    ITEM_TYPES,
    QUESTIONNAIRE_URL,
    Part,
    part_link,
    section_link,
)
from kyphocheck.site.checklist import Checklist, CompiledItem

ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
UNIT_EXTENSION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
# Not a FHIR expression language: says what the carried text is.
JINJA = "text/x-jinja2"

_NAME = r"([a-z][a-z0-9_]*)"
_SIMPLE_WHEN = (
    (re.compile(rf"^{_NAME}$"), "=", True),
    (re.compile(rf"^not {_NAME}$"), "=", False),
    (re.compile(rf"^{_NAME} is not none$"), "exists", True),
    (re.compile(rf"^{_NAME} is none$"), "exists", False),
)
_CHOICE_WHEN = re.compile(rf"^{_NAME} (==|!=) '([a-z0-9_]+)'$")


def questionnaire(checklist: Checklist) -> Any:
    """The checklist's Questionnaire, its version and checksum identifying the checklist."""
    from fhir.resources.R4B.identifier import Identifier
    from fhir.resources.R4B.questionnaire import Questionnaire

    items = [_header_group(part, fields) for part, fields in HEADER_PARTS.items()]
    for section in checklist.sections:
        compiled = [c for c in checklist.items if c.section == section.id]
        if compiled:
            items.append(
                _group(
                    section_link(section.id),
                    section.title or section.id,
                    [_item(c, checklist) for c in compiled],
                )
            )
    return Questionnaire(
        url=QUESTIONNAIRE_URL + checklist.id,
        version=checklist.version,
        identifier=[Identifier(system=CHECKSUM_SYSTEM, value=checklist.sha256)],
        name=checklist.id,
        title=checklist.title,
        status="active",
        subjectType=["Patient"],
        item=items,
    )


def _group(link_id: str, text: str, items: list[Any], repeats: bool = False) -> Any:
    from fhir.resources.R4B.questionnaire import QuestionnaireItem

    return QuestionnaireItem(
        linkId=link_id, text=text, type="group", item=items, repeats=repeats or None
    )


def _header_group(part: str, fields: tuple[Part, ...]) -> Any:
    title = "Patient" if part == "patient" else "Procedure"
    return _group(part, title, [_part_item(part, f) for f in fields])


def _part_item(group: str, part: Part) -> Any:
    from fhir.resources.R4B.questionnaire import QuestionnaireItem

    return QuestionnaireItem(
        linkId=part_link(group, part.key),
        text=part.text,
        type=part.type,
        required=part.required or None,
        repeats=part.repeats or None,
    )


def _item(compiled: CompiledItem, checklist: Checklist) -> Any:
    from fhir.resources.R4B.coding import Coding
    from fhir.resources.R4B.extension import Extension
    from fhir.resources.R4B.questionnaire import QuestionnaireItem, QuestionnaireItemAnswerOption

    item = compiled.item
    condition = _enable_when(item.when, checklist) if item.when else None
    # Required only where FHIR can tell when the item applies: an item required under a
    # condition carried as text would be required always by a FHIR validator.
    said = item.when is None or condition is not None
    fields: dict[str, Any] = {
        "linkId": item.id,
        "text": item.prompt,
        "type": ITEM_TYPES[item.type],
        "required": True if compiled.required is True and said else None,
    }
    if item.type in ("medications", "allergies"):
        fields["repeats"] = True
        fields["item"] = [_part_item(item.id, p) for p in ENTRY_PARTS[item.type]]
    if item.type == "multi_choice":
        fields["repeats"] = True
    if item.choices:
        fields["answerOption"] = [
            QuestionnaireItemAnswerOption(valueCoding=Coding(code=c.value, display=c.label))
            for c in item.choices
        ]
    if item.type == "text":
        fields["maxLength"] = item.max_length
    extensions = []
    if item.unit:
        extensions.append(Extension(url=UNIT_EXTENSION, valueCoding=Coding(display=item.unit)))
    if item.min is not None:
        extensions.append(Extension(url=MIN_VALUE, valueDecimal=item.min))
    if item.max is not None:
        extensions.append(Extension(url=MAX_VALUE, valueDecimal=item.max))
    if condition is not None:
        fields["enableWhen"] = [condition]
    elif item.when:
        extensions.append(_when_expression(item.when))
    if extensions:
        fields["extension"] = extensions
    return QuestionnaireItem(**fields)


def _enable_when(when: str, checklist: Checklist) -> Any | None:
    """The enableWhen a simple `when` is, or None when FHIR cannot say it."""
    from fhir.resources.R4B.coding import Coding
    from fhir.resources.R4B.questionnaire import QuestionnaireItemEnableWhen

    text = " ".join(when.split())
    by_id = checklist.by_id
    for pattern, operator, answer in _SIMPLE_WHEN:
        matched = pattern.match(text)
        if matched and matched.group(1) in by_id:
            asked = by_id[matched.group(1)].item
            if operator == "=" and asked.type != "yes_no":
                return None
            return QuestionnaireItemEnableWhen(
                question=asked.id, operator=operator, answerBoolean=answer
            )
    matched = _CHOICE_WHEN.match(text)
    if matched and matched.group(1) in by_id:
        asked = by_id[matched.group(1)].item
        if asked.type == "choice" and matched.group(3) in asked.choice_values:
            return QuestionnaireItemEnableWhen(
                question=asked.id,
                operator="=" if matched.group(2) == "==" else "!=",
                answerCoding=Coding(code=matched.group(3)),
            )
    return None


def _when_expression(when: str) -> Any:
    from fhir.resources.R4B.expression import Expression
    from fhir.resources.R4B.extension import Extension

    return Extension(
        url=ENABLE_WHEN_EXPRESSION,
        valueExpression=Expression(
            language=JINJA,
            expression=" ".join(when.split()),
            description="kyphocheck's own condition (a Jinja expression, not FHIRPath)",
        ),
    )
