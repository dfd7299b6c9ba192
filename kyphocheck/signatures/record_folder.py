"""Verifying a whole record folder: every document it says it has, and nothing else.

A record folder is record.json and its signature (record.json.p7s), and for each document the
record lists (`documents`: "summary", "take-home") the Markdown, its signature and the PDF.
record.json is signed itself, so deleting the PDFs (which embed it) and editing it fails; each
file the record lists is required, so deleting one fails; each PDF is signed in its role, so
swapping two fails; and the signer record.json names must be the certificate that signed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from kyphocheck.signatures.verify import Check, Verifier

RECORD = "record.json"
# record.json is small (kilobytes); a larger one is not kyphocheck's and is not parsed.
MAX_RECORD_BYTES = 10 * 1024 * 1024
_ROLE = re.compile(r"^[a-z][a-z-]{0,30}$")


def document_files(role: str) -> tuple[str, str, str]:
    """The files of one document: its Markdown, the Markdown's signature, its PDF."""
    return f"{role}.md", f"{role}.md.p7s", f"{role}.pdf"


def verify_folder(verifier: Verifier, folder: Path, *, signatures: bool = True) -> None:
    """Check a record folder as a whole, adding a row to `verifier` for every check.

    Without `signatures` (`verify --log` over many records: each signature takes tens of
    milliseconds), every check but the cryptographic ones: the files are there, those
    record.json lists hash as listed, and nothing was added.
    """
    record_path = folder / RECORD
    if not record_path.is_file():
        verifier.add(folder, RECORD, False, "missing: not a record folder")
        return
    if record_path.stat().st_size > MAX_RECORD_BYTES:
        verifier.add(record_path, RECORD, False, "too large to be a kyphocheck record")
        return
    record_json = record_path.read_bytes()
    try:
        record = json.loads(record_json)
        if not isinstance(record, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        verifier.add(record_path, RECORD, False, f"not valid JSON: {exc}")
        return
    first_signer = len(verifier.signers)
    if record.get("signature") is None:
        verifier.add(record_path, "signed", False, "an UNSIGNED draft record")
    if signatures:
        verifier.detached(record_path)
    else:
        _present(verifier, folder / f"{RECORD}.p7s")
    roles = _roles(verifier, record_path, record)
    expected = {RECORD, f"{RECORD}.p7s"}
    for role in roles:
        expected.update(document_files(role))
    _check_listed_hashes(verifier, folder, record, expected)
    for role in roles:
        markdown, _, pdf = document_files(role)
        if not signatures:
            _present(verifier, folder / pdf)
            continue
        verifier.detached(folder / markdown)
        if (folder / pdf).is_file():
            verifier.pdf(folder / pdf, record_json, role)
        else:
            verifier.add(folder / pdf, "part of the record", False, "missing")
    for path in sorted(folder.iterdir()):
        if path.name not in expected:
            verifier.add(path, "part of the record", False, "not one of the record's files")
    if signatures:
        _check_signer(verifier, record_path, record, first_signer)
    if "amends" in record:
        _check_amends(verifier, record_path, record)


def _check_amends(verifier: Verifier, record_path: Path, record: dict[str, Any]) -> None:
    """An amended record's link: the original beside it is the one it names, byte for byte.

    The original is looked for among the folders beside the amendment (where `amend` writes
    it unless --out says otherwise). Not found is said, not failed: it may be kept elsewhere.
    """
    amends = record.get("amends")
    if not isinstance(amends, dict) or not all(
        isinstance(amends.get(k), str) for k in ("id", "sha256")
    ):
        verifier.add(record_path, "amends", False, "the amended record's link is not readable")
        return
    folder = record_path.parent
    for sibling in sorted(folder.parent.iterdir()):
        candidate = sibling / RECORD
        if sibling == folder or sibling.name.startswith(".") or not candidate.is_file():
            continue
        if candidate.stat().st_size > MAX_RECORD_BYTES:
            continue
        data = candidate.read_bytes()
        if hashlib.sha256(data).hexdigest() == amends["sha256"]:
            detail = f"amends {amends['id']} ({sibling.name}): the original is unchanged"
            verifier.add(record_path, "amends", True, detail)
            return
        try:
            other = json.loads(data)
        except ValueError:
            continue
        if isinstance(other, dict) and other.get("record_id") == amends["id"]:
            detail = (
                f"amends {amends['id']} ({sibling.name}): its record.json differs from what "
                "the amendment names"
            )
            verifier.add(record_path, "amends", False, detail)
            return
    detail = f"amends {amends['id']}: the original is not beside it, so the link was not checked"
    verifier.add(record_path, "amends", True, detail)


def _present(verifier: Verifier, path: Path) -> None:
    """A signed file whose signature is not checked: that it is there, at least."""
    there = path.is_file()
    verifier.add(path, "part of the record", there, "" if there else "missing")


def _roles(verifier: Verifier, record_path: Path, record: dict[str, Any]) -> list[str]:
    """The documents the record says it consists of; a row that fails when it says none."""
    roles = record.get("documents")
    if (
        not isinstance(roles, list)
        or not roles
        or not all(isinstance(r, str) and _ROLE.match(r) for r in roles)
        or len(set(roles)) != len(roles)
    ):
        verifier.add(
            record_path, "documents", False, "the record does not say which documents it has"
        )
        return []
    verifier.add(record_path, "documents", True, ", ".join(roles))
    return list(roles)


def _check_listed_hashes(
    verifier: Verifier, folder: Path, record: dict[str, Any], expected: set[str]
) -> None:
    """The SHA-256 record.json lists for each file that does not embed it (Markdown, .p7s)."""
    listed = record.get("files")
    if not isinstance(listed, dict):
        verifier.add(folder / RECORD, "file hashes", False, "record.json lists no file hashes")
        return
    needed = {n for n in expected if n.endswith((".md", ".md.p7s"))}
    for name in sorted(needed - set(listed)):
        verifier.add(folder / name, "listed in record.json", False, "not listed")
    for name, digest in sorted(listed.items()):
        if name not in needed:
            verifier.add(folder / RECORD, "file hashes", False, f"lists an unknown file {name!r}")
            continue
        path = folder / name
        if not path.is_file():
            verifier.add(path, "listed in record.json", False, "missing")
            continue
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        same = actual == digest
        verifier.add(path, "SHA-256 as listed", same, "" if same else "changed")


def _check_signer(
    verifier: Verifier, record_path: Path, record: dict[str, Any], first: int
) -> None:
    """Every file was signed by the certificate record.json names, under the name it gives."""
    signature = record.get("signature")
    if not isinstance(signature, dict):
        return
    seen = verifier.signers[first:]
    expected = signature.get("certificate_sha256")
    same = bool(seen) and all(s.fingerprint == expected for s in seen)
    verifier.add(
        record_path,
        "signer as recorded",
        same,
        "" if same else "the files were signed by another certificate than record.json names",
    )
    if signature.get("timestamp_url") is not None:
        # A token is an unsigned attribute: removing one leaves the signature valid, its
        # time merely claimed. record.json (signed) says the site's TSA stamped every one.
        bare = sum(not s.timestamped for s in seen)
        verifier.add(
            record_path,
            "timestamps",
            bool(seen) and not bare,
            f"every signature timestamped by {signature['timestamp_url']}"
            if seen and not bare
            else f"record.json says every signature is timestamped; {bare} carry no timestamp",
        )
    signer = signature.get("signer")
    name = signer.get("name") if isinstance(signer, dict) else None
    named = bool(seen) and all(s.name == name for s in seen)
    verifier.add(
        record_path,
        "signer's name",
        named,
        ""
        if named
        else f"record.json names {name!r}; the certificate says {seen[0].name if seen else '?'!r}",
    )


def verify_paths(paths: list[Path], trusted: list[Any]) -> list[Check]:
    """Verify record folders and single files."""
    verifier = Verifier(trusted)
    for path in paths:
        if path.is_dir():
            verify_folder(verifier, path)
        elif not path.exists():
            verifier.add(path, "exists", False, "no such file or folder")
        elif path.suffix == ".md" or path.name == "record.json":
            verifier.detached(path)
        elif path.suffix == ".pdf":
            sibling = path.with_name("record.json")
            verifier.pdf(path, sibling.read_bytes() if sibling.is_file() else None)
        elif path.name.endswith(".p7s"):
            verifier.detached(path.with_name(path.name.removesuffix(".p7s")))
        else:
            verifier.add(path, "kind", False, "not a record folder, .md, .p7s or .pdf")
    return verifier.results
