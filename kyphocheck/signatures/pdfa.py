"""Signing keeps a record's PDF/A-3 a PDF/A-3: PDF 1.7, with its two sets of metadata agreeing.

PDF/A-3 (ISO 19005-3) is built on PDF 1.7. pyHanko's incremental update broke it twice:

- With an EC key (every identity `signer init` makes: P-256) pyHanko declares the ISO/TS 32002
  developer extension. That extension's BaseVersion is 2.0, and ISO 32000 7.12.3 wants a
  BaseVersion no later than the document's version, so pyHanko also set the catalog /Version
  to 2.0 (pyHanko issue #543 is the same bump for SHA-384). ISO/TS 32002 only clarifies, for
  PDF 2.0, which curves ECDSA may use; a PDF 1.7 file already has ECDSA through PAdES, which
  pyHanko declares with the ESIC extension (BaseVersion 1.7), and whose algorithm catalogue
  (ETSI TS 119 312) holds ECDSA on P-256. So the writer leaves ISO/TS 32002 out and keeps 1.7.
  Any other request for a later version (SHA-3, EdDSA, or a new pyHanko) fails the signing
  instead of quietly making a PDF that is neither PDF/A-3 nor honest about its version.
  Changing the key type instead (RSA) would have left every existing P-256 identity making
  PDF 2.0 files, and made signatures and keys larger and slower.
- pyHanko appends itself to the Info /Producer ("WeasyPrint 70.0; pyHanko 0.38.0") but writes
  only itself as the XMP pdf:Producer, and sets xmp:ModifyDate and /ModDate each from its own
  reading of the clock (or only the first). PDF/A wants every Info entry equal to its XMP
  counterpart, so the writer gives both the same producer (pyHanko's, which is what pyHanko
  will write into the XMP) and one modification time. WeasyPrint stays named as the producer of
  the first revision, the one the signature covers.

pyHanko is imported here at the top: this module is imported only when a PDF is signed.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.extensions import DeveloperExtension
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.reader import parse_catalog_version
from pyhanko.sign.signers.constants import ISO32002

from kyphocheck.signatures.identity import Identity, SignerError

PDFA_VERSION = (1, 7)  # the PDF version PDF/A-2 and PDF/A-3 are built on


class PdfA3Writer(IncrementalPdfFileWriter):
    """An incremental writer that keeps the PDF at version 1.7 (see the module's docstring)."""

    def __init__(self, pdf: bytes, *, ecdsa: bool) -> None:
        # Set first: the parent's constructor already asks for its default output version.
        self._ecdsa = ecdsa
        self._later_version: tuple[int, int] | None = None
        super().__init__(io.BytesIO(pdf))

    def ensure_output_version(self, version: tuple[int, int]) -> None:
        """Keep 1.7; a request for later stays pending until an extension says what it is for.

        pyHanko asks for 2.0 just before it registers the extension that needs it.
        """
        if tuple(version) > PDFA_VERSION:
            self._later_version = version
            return
        super().ensure_output_version(version)  # type: ignore[no-untyped-call]

    def register_extension(self, ext: DeveloperExtension) -> None:
        """Leave out ISO/TS 32002 for an ECDSA signature; refuse any other PDF 2.0 extension."""
        base = parse_catalog_version(ext.base_version)
        if base is None or base <= PDFA_VERSION:
            super().register_extension(ext)
            return
        if self._ecdsa and ext == ISO32002:
            self._later_version = None  # it was asked for this extension only
            return
        raise SignerError(
            f"signing would need the PDF {base[0]}.{base[1]} extension {ext.prefix_name} "
            f"(level {ext.extension_level}), and a record's PDF/A-3 must stay PDF 1.7: "
            "use an EC P-256 or RSA signing identity"
        )

    def write(self, stream: Any) -> None:
        """Refuse to write a PDF that pyHanko wanted at a later version for a reason not known."""
        if self._later_version is not None:
            major, minor = self._later_version
            raise SignerError(
                f"signing would make the PDF version {major}.{minor}, and a record's PDF/A-3 "
                "must stay PDF 1.7"
            )
        super().write(stream)  # type: ignore[no-untyped-call]


def pdfa_writer(pdf: bytes, identity: Identity) -> PdfA3Writer:
    """The writer `sign_pdf` signs with: PDF 1.7 kept, Info and XMP metadata made to agree."""
    from cryptography.hazmat.primitives.asymmetric import ec

    writer = PdfA3Writer(pdf, ecdsa=isinstance(identity.key, ec.EllipticCurvePrivateKey))
    # One time for /ModDate and xmp:ModifyDate, whole seconds as the XMP keeps it.
    modified = datetime.now(UTC).replace(microsecond=0)
    writer.document_meta.last_modified = modified
    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        return writer  # no Info dictionary: the XMP is the only metadata, nothing to disagree
    info = info_ref.get_object()
    # pyHanko keeps a Producer that already names it, and writes only its own name to the XMP.
    info["/Producer"] = generic.TextStringObject(VENDOR)
    # pyHanko updates only the Info entries that exist when the PDF has XMP metadata.
    info["/ModDate"] = generic.pdf_date(modified)
    writer.mark_update(info_ref)
    return writer
