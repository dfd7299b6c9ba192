"""A FHIR R4 Bundle from the hospital's EHR, read and validated: the resources a pre-fill uses.

Every resource is validated with fhir.resources' R4B models (the R4-compatible release EHRs
exchange), one line per problem naming the entry, the resource and the field; a bundle with any
problem is refused whole. fhir.resources takes half a second to import, so it is imported here,
only by the commands given --fhir.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kyphocheck.errors import InputError, Problem
from kyphocheck.yamlio import FHIR_BUNDLE, decoded, parse_data_text, read_limited

# Problems listed for one bundle before the rest are counted: a wrong export repeats them.
MAX_PROBLEMS = 20
# The kinds a pre-fill reads; other resources are validated and otherwise left alone.
READ = ("Patient", "MedicationStatement", "MedicationRequest", "AllergyIntolerance", "Observation")


@dataclass
class Bundle:
    """The validated resources of a bundle, by kind, and the bytes' SHA-256."""

    display: str
    sha256: str
    resources: dict[str, list[Any]] = field(default_factory=dict)
    by_reference: dict[str, Any] = field(default_factory=dict)

    def of(self, kind: str) -> list[Any]:
        """The resources of one kind, in bundle order."""
        return self.resources.get(kind, [])

    def resolve(self, reference: str | None) -> Any | None:
        """The resource a reference ("Medication/m1" or an entry's fullUrl) names, if here."""
        return self.by_reference.get(reference or "")


def name_of(resource: Any) -> str:
    """`Kind/id`, as problems and notes name a resource (its id is the EHR's, not PHI)."""
    kind = resource.get_resource_type() if hasattr(resource, "get_resource_type") else "?"
    return f"{kind}/{resource.id}" if getattr(resource, "id", None) else kind


def read_bundle(path: Path) -> Bundle:
    """Read, bound and validate a bundle file; InputError with every problem at once."""
    display = str(path)
    content = read_limited(path, display, FHIR_BUNDLE, "a pre-op bundle")
    text = decoded(content, display)
    data = parse_data_text(text, display, as_json=True, limits=FHIR_BUNDLE)
    return validate_bundle(data, display, hashlib.sha256(content).hexdigest())


def validate_bundle(data: Any, display: str, sha256: str) -> Bundle:
    """The bundle's resources, each validated against its R4B model."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InputError(Problem(display, field="resourceType", message="not a FHIR Bundle"))
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise InputError(Problem(display, field="entry", message="must be a list of entries"))
    bundle = Bundle(display, sha256)
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        where = f"entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.append(
                Problem(display, field=where, message="no resource with a resourceType")
            )
            continue
        kind = resource["resourceType"]
        named = f"{where} {kind}" + (
            f"/{resource['id']}" if isinstance(resource.get("id"), str) else ""
        )
        try:
            model = get_fhir_model_class(kind)
        except (KeyError, ValueError):
            problems.append(Problem(display, field=named, message="not a FHIR R4 resource type"))
            continue
        try:
            parsed = model.model_validate(resource)
        except ValidationError as exc:
            for error in exc.errors():
                path = ".".join(str(p) for p in error["loc"] if isinstance(p, str | int))
                message = str(error["msg"]).removeprefix("Value error, ")
                problems.append(Problem(display, field=f"{named}: {path}", message=message))
            continue
        bundle.resources.setdefault(kind, []).append(parsed)
        resource_id = getattr(parsed, "id", None)
        if resource_id:
            bundle.by_reference[f"{kind}/{resource_id}"] = parsed
        if isinstance(entry.get("fullUrl"), str):
            bundle.by_reference[entry["fullUrl"]] = parsed
    if problems:
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = [*problems[:MAX_PROBLEMS], Problem(display, message=f"and {more} more")]
        raise InputError(problems)
    _one_patient(bundle)
    return bundle


def _one_patient(bundle: Bundle) -> None:
    """One patient, and every resource read about that patient: no mixed-up bundle is used.

    A resource's subject must be the bundle's Patient: by reference (relative, absolute or
    its fullUrl) or by the Patient's identifier. Without a Patient, all must name one subject.
    """
    patients = bundle.of("Patient")
    if len(patients) > 1:
        raise InputError(
            Problem(
                bundle.display,
                field="Patient",
                message=f"the bundle holds {len(patients)} patients; a pre-fill is of one",
            )
        )
    patient = patients[0] if patients else None
    problems = []
    subjects: dict[str, Any] = {}  # without a Patient: the first resource naming each subject
    for kind in READ[1:]:
        for resource in bundle.of(kind):
            subject = getattr(resource, "subject", None) or getattr(resource, "patient", None)
            if subject is None:
                continue
            named = _subject_name(subject)
            if patient is not None and not _is_patient(subject, patient, bundle):
                problems.append(
                    Problem(
                        bundle.display,
                        field=f"{name_of(resource)}: subject",
                        message=f"is of another patient ({named}), not of the bundle's Patient",
                    )
                )
            elif patient is None:
                subjects.setdefault(named, resource)
    if len(subjects) > 1:
        listed = ", ".join(f"{name_of(r)} is of {named}" for named, r in subjects.items())
        problems.append(
            Problem(
                bundle.display,
                field="subject",
                message=f"the resources are of {len(subjects)} patients ({listed})",
            )
        )
    if problems:
        raise InputError(problems)


def _subject_name(subject: Any) -> str:
    if subject.reference:
        return str(subject.reference)
    identifier = subject.identifier
    return f"identifier {identifier.value}" if identifier is not None else "an unnamed subject"


def _is_patient(subject: Any, patient: Any, bundle: Bundle) -> bool:
    reference = subject.reference
    if reference:
        if bundle.resolve(reference) is patient:
            return True
        # An absolute URL to the same resource: https://ehr.example/fhir/Patient/<id>
        return bool(patient.id) and str(reference).rstrip("/").endswith(f"Patient/{patient.id}")
    identifier = subject.identifier
    if identifier is None or identifier.value is None:
        return True  # names nobody else
    return any(
        i.value == identifier.value and (i.system == identifier.system or not identifier.system)
        for i in patient.identifier or []
    )
