"""How a checklist's questions are FHIR Questionnaire items, both ways: linkIds, types, values.

The export writes answers with these (record.fhir), and a bundle's QuestionnaireResponse of a
kyphocheck checklist is read back with the same table (intake.fhir_response), so a record
exported and imported gives the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass

# The canonical URL of a checklist's Questionnaire: urn, as kyphocheck has no web address of
# its own for a site's checklists.
QUESTIONNAIRE_URL = "urn:kyphocheck:checklist:"
CHECKSUM_SYSTEM = "urn:kyphocheck:checklist-sha256"

# Checklist item type -> Questionnaire item type.
ITEM_TYPES = {
    "yes_no": "boolean",
    "choice": "choice",
    "multi_choice": "choice",
    "text": "string",
    "number": "decimal",
    "date": "date",
    "datetime": "dateTime",
    "medications": "group",
    "allergies": "group",
}
# Questionnaire item type -> the QuestionnaireResponse answer's value field.
VALUE_FIELDS = {
    "boolean": "valueBoolean",
    "choice": "valueCoding",
    "string": "valueString",
    "decimal": "valueDecimal",
    "date": "valueDate",
    "dateTime": "valueDateTime",
}


@dataclass(frozen=True)
class Part:
    """A field of a list entry (a medicine, an allergy) or of the header, as an item."""

    key: str
    type: str  # a Questionnaire item type
    text: str
    required: bool = False
    repeats: bool = False


# The fields of one entry of a medications or allergies item, as the answers file has them.
ENTRY_PARTS: dict[str, tuple[Part, ...]] = {
    "medications": (
        Part("name", "string", "Medicine (brand or generic)", required=True),
        Part("dose", "string", "Dose and how often"),
        Part("last_dose", "dateTime", "Last dose taken"),
        Part("prescriber_approved", "boolean", "Prescriber approved the hold"),
        Part("regimen", "string", "How it is taken (the drug table's variant)"),
    ),
    "allergies": (
        Part("substance", "string", "Substance", required=True),
        Part("reaction", "string", "Reaction", required=True),
        Part("category", "string", "Category (allergies.yaml)"),
    ),
}
# The header (`patient:` and `procedure:`) as two groups of the Questionnaire.
HEADER_PARTS: dict[str, tuple[Part, ...]] = {
    "patient": (
        Part("name", "string", "Patient's full name", required=True),
        Part("mrn", "string", "MRN", required=True),
        Part("dob", "date", "Date of birth", required=True),
        Part("sex", "string", "Sex", required=True),
        Part("weight_kg", "decimal", "Weight (kg)", required=True),
        Part("language", "string", "Language of the take-home sheet"),
        Part("large_print", "boolean", "Take-home sheet in large print"),
    ),
    "procedure": (
        Part("scheduled", "dateTime", "Scheduled start", required=True),
        Part("timezone", "string", "Time zone (IANA)"),
        Part("levels", "string", "Vertebral levels", required=True, repeats=True),
        Part("proceduralist", "string", "Proceduralist", required=True),
        Part("anesthesia", "string", "Anaesthesia", required=True),
    ),
}


def part_link(group: str, key: str) -> str:
    """The linkId of a field of a group: linkIds are unique across a Questionnaire."""
    return f"{group}.{key}"


def section_link(section_id: str) -> str:
    """The linkId of a section's group: not its id, which an item of it may share."""
    return f"section.{section_id}"
