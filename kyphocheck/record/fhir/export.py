"""`kyphocheck export --format fhir`: a signed record as a FHIR R4 Bundle for the hospital's EHR.

The Bundle (type `collection`) holds the checklist as a Questionnaire, the answers as its
QuestionnaireResponse (status `completed`, or `amended` for an amended record; authored at the
signing time; the signer its author), the Patient, the signer as a Practitioner, a DetectedIssue
per finding (with the rule's source and any override), and the signed PDFs as DocumentReferences
so the EHR keeps the signed originals. Every resource is built with fhir.resources' R4B models,
which validate it as it is made; nothing here writes FHIR JSON by hand.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from pathlib import Path
from typing import Any

from kyphocheck.intake.fhir_items import QUESTIONNAIRE_URL
from kyphocheck.record.fhir.questionnaire import questionnaire
from kyphocheck.record.fhir.response import response_items
from kyphocheck.site.checklist import Checklist

SEVERITY = {"stop": "high", "notify": "moderate", "info": "low"}
MRN_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
CLEARED_EXTENSION = "urn:kyphocheck:cleared"
RECORD_ID_SYSTEM = "urn:kyphocheck:record-id"
# The PDFs a record folder holds, and what the EHR files them as.
DOCUMENTS = {
    "summary.pdf": "Pre-procedure checklist summary (signed)",
    "take-home.pdf": "Take-home instructions for the patient (signed)",
}


def export_bundle(folder: Path, record: dict[str, Any], checklist: Checklist) -> Any:
    """The record in `folder` as a Bundle model (record.json already verified by the caller)."""
    from fhir.resources.R4B.bundle import Bundle, BundleEntry
    from fhir.resources.R4B.identifier import Identifier

    record_id = record["record_id"]

    # Ids derived from the record id: exporting the same record twice gives the same bundle.
    def urn(kind: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'kyphocheck:{record_id}:{kind}')}"

    patient_url, signer_url = urn("patient"), urn("practitioner")
    resources: list[tuple[str, Any]] = [
        (urn("questionnaire"), questionnaire(checklist)),
        (patient_url, _patient(record)),
        (signer_url, _practitioner(record)),
        (urn("response"), _response(record, checklist, patient_url, signer_url)),
    ]
    for index, finding in enumerate(record["findings"]):
        resources.append(
            (urn(f"finding-{index}"), _issue(record, finding, patient_url, signer_url))
        )
    for name, title in DOCUMENTS.items():
        if (folder / name).is_file():
            document = _document(record, folder / name, title, patient_url, signer_url)
            resources.append((urn(name), document))
    return Bundle(
        type="collection",
        identifier=Identifier(system=RECORD_ID_SYSTEM, value=record["record_id"]),
        timestamp=record["signature"]["signed_at"],
        entry=[BundleEntry(fullUrl=url, resource=resource) for url, resource in resources],
    )


def _patient(record: dict[str, Any]) -> Any:
    from fhir.resources.R4B.codeableconcept import CodeableConcept
    from fhir.resources.R4B.coding import Coding
    from fhir.resources.R4B.humanname import HumanName
    from fhir.resources.R4B.identifier import Identifier
    from fhir.resources.R4B.patient import Patient

    patient = record["patient"]
    mrn_type = CodeableConcept(coding=[Coding(system=MRN_TYPE, code="MR")])
    return Patient(
        identifier=[Identifier(type=mrn_type, value=patient["mrn"])],
        name=[HumanName(use="official", text=patient["name"])],
        birthDate=patient["dob"],
        gender=patient["sex"],
    )


def _practitioner(record: dict[str, Any]) -> Any:
    from fhir.resources.R4B.codeableconcept import CodeableConcept
    from fhir.resources.R4B.humanname import HumanName
    from fhir.resources.R4B.identifier import Identifier
    from fhir.resources.R4B.practitioner import Practitioner, PractitionerQualification

    signature = record["signature"]
    signer = signature["signer"]
    credentials = signer.get("credentials")
    return Practitioner(
        # The signing certificate's SHA-256: who signed, as verify names them.
        identifier=[
            Identifier(
                system="urn:kyphocheck:certificate-sha256", value=signature["certificate_sha256"]
            )
        ],
        name=[HumanName(text=signer["name"])],
        qualification=(
            [PractitionerQualification(code=CodeableConcept(text=credentials))]
            if credentials
            else None
        ),
    )


def _response(record: dict[str, Any], checklist: Checklist, patient: str, signer: str) -> Any:
    from fhir.resources.R4B.extension import Extension
    from fhir.resources.R4B.identifier import Identifier
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
    from fhir.resources.R4B.reference import Reference

    return QuestionnaireResponse(
        identifier=Identifier(system=RECORD_ID_SYSTEM, value=record["record_id"]),
        questionnaire=f"{QUESTIONNAIRE_URL}{checklist.id}|{checklist.version}",
        status="amended" if record.get("status") == "amended" else "completed",
        subject=Reference(reference=patient),
        authored=record["signature"]["signed_at"],
        author=Reference(reference=signer),
        # Cleared: no stop finding is left without an override (product.md).
        extension=[Extension(url=CLEARED_EXTENSION, valueBoolean=record["cleared"])],
        item=response_items(record, checklist),
    )


def _issue(record: dict[str, Any], finding: dict[str, Any], patient: str, signer: str) -> Any:
    from fhir.resources.R4B.codeableconcept import CodeableConcept
    from fhir.resources.R4B.detectedissue import DetectedIssue, DetectedIssueMitigation
    from fhir.resources.R4B.identifier import Identifier
    from fhir.resources.R4B.reference import Reference

    overrides = [o for o in record["overrides"] if o["finding"] == finding["id"]]
    return DetectedIssue(
        identifier=[Identifier(system="urn:kyphocheck:finding", value=finding["id"])],
        status="final",
        code=CodeableConcept(text=f"{finding['severity']}: {finding['item']}"),
        severity=SEVERITY[finding["severity"]],
        patient=Reference(reference=patient),
        identifiedDateTime=record["signature"]["signed_at"],
        author=Reference(reference=signer),
        detail=finding["message"],
        # The rule's source (a guideline, the protocol's file): the authority for the issue.
        evidence=[{"code": [CodeableConcept(text=finding["source"])]}],
        mitigation=[
            DetectedIssueMitigation(
                action=CodeableConcept(text=f"overridden by {o['by']}: {o['reason']}"),
                date=record["signature"]["signed_at"],
            )
            for o in overrides
        ]
        or None,
    )


def _document(record: dict[str, Any], path: Path, title: str, patient: str, signer: str) -> Any:
    from fhir.resources.R4B.attachment import Attachment
    from fhir.resources.R4B.codeableconcept import CodeableConcept
    from fhir.resources.R4B.documentreference import DocumentReference, DocumentReferenceContent
    from fhir.resources.R4B.identifier import Identifier
    from fhir.resources.R4B.reference import Reference

    data = path.read_bytes()
    return DocumentReference(
        masterIdentifier=Identifier(
            system=RECORD_ID_SYSTEM, value=f"{record['record_id']}/{path.name}"
        ),
        status="current",
        type=CodeableConcept(text=title),
        subject=Reference(reference=patient),
        date=record["signature"]["signed_at"],
        author=[Reference(reference=signer)],
        description=title,
        content=[
            DocumentReferenceContent(
                attachment=Attachment(
                    contentType="application/pdf",
                    data=base64.b64encode(data),
                    # FHIR's Attachment.hash is the SHA-1 of the data, base64.
                    hash=base64.b64encode(hashlib.sha1(data).digest()),  # noqa: S324
                    size=len(data),
                    title=path.name,
                )
            )
        ],
    )
