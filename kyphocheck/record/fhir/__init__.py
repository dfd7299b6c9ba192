"""The record in FHIR R4: the export for the hospital's EHR."""
