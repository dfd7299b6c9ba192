"""The signing identity: an EC P-256 key and an X.509 certificate in an encrypted PKCS#12 file.

`signer init` makes a self-signed one (or adopts a site-issued .p12); it lives in the user
config folder (platformdirs; XDG_CONFIG_HOME moves it), mode 0600, encrypted with AES-256 under
a passphrase that is never printed or logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kyphocheck.errors import KyphocheckError, UsageError

PASSPHRASE_ENV = "KYPHOCHECK_SIGNER_PASSPHRASE"
VALIDITY_DAYS = 3 * 365
WARN_DAYS = 30
PASSPHRASE_TRIES = 3  # at a terminal: a mistyped passphrase is asked again, as sudo does
DOCUMENT_SIGNING = "1.3.6.1.5.5.7.3.36"  # id-kp-documentSigning, RFC 9336


class SignerError(KyphocheckError):
    """No identity, a wrong passphrase, an expired certificate: signing cannot be done."""

    exit_code = 1


class WrongPassphrase(SignerError):
    """The passphrase does not open the PKCS#12 file (or the file is not one)."""


def identity_path() -> Path:
    """<user config>/kyphocheck/signer.p12."""
    from platformdirs import user_config_path

    return user_config_path("kyphocheck", appauthor=False) / "signer.p12"


def certificate_path() -> Path:
    """The identity's certificate in PEM beside it: public, for verifying without a passphrase."""
    return identity_path().with_name("signer.pem")


@dataclass(frozen=True)
class Identity:
    """A loaded signing identity."""

    key: Any  # cryptography EllipticCurvePrivateKey (or another key type from an import)
    certificate: Any  # cryptography x509.Certificate
    chain: tuple[Any, ...] = ()

    @property
    def name(self) -> str:
        """The signer's name (the certificate's common name)."""
        from cryptography.x509.oid import NameOID

        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()

    @property
    def credentials(self) -> str | None:
        """The signer's credentials (RN, MD), kept in the certificate's title."""
        from cryptography.x509.oid import NameOID

        titles = self.certificate.subject.get_attributes_for_oid(NameOID.TITLE)
        return str(titles[0].value) if titles else None

    @property
    def subject(self) -> str:
        """The certificate's subject, as a person reads it: "CN=Jane Doe, title=RN".

        In the certificate's own order, with names for the attributes kyphocheck writes
        (RFC 4514 would reverse them and show a title as 2.5.4.12).
        """
        from cryptography.x509.oid import NameOID

        names = {NameOID.TITLE: "title", NameOID.EMAIL_ADDRESS: "emailAddress"}
        return ", ".join(
            f"{names.get(part.oid, part.rfc4514_attribute_name)}={part.value}"
            for part in self.certificate.subject
        )

    @property
    def signed_by(self) -> str:
        """Who signs, for a person to read: "Jane Doe, RN"."""
        return ", ".join(part for part in (self.name, self.credentials) if part)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), as hex."""
        from cryptography.hazmat.primitives.serialization import Encoding

        return hashlib.sha256(self.certificate.public_bytes(Encoding.DER)).hexdigest()

    @property
    def expires(self) -> datetime:
        """When the certificate stops being valid."""
        return self.certificate.not_valid_after_utc  # type: ignore[no-any-return]

    def certificate_pem(self) -> bytes:
        """The certificate in PEM, for `openssl cms -verify -CAfile` and trust lists."""
        from cryptography.hazmat.primitives.serialization import Encoding

        return self.certificate.public_bytes(Encoding.PEM)  # type: ignore[no-any-return]

    def check_usable(self, now: datetime) -> None:
        """Refuse an expired or not yet valid certificate."""
        if now > self.expires:
            raise SignerError(f"the signing certificate expired on {self.expires:%Y-%m-%d}")
        if now < self.certificate.not_valid_before_utc:
            raise SignerError("the signing certificate is not valid yet")

    def as_record(self, signed_at: datetime) -> dict[str, Any]:
        """The record's `signature` block."""
        return {
            "signer": {"name": self.name, "credentials": self.credentials},
            "certificate_sha256": self.fingerprint,
            "signed_at": signed_at.isoformat(),
        }


def create_identity(
    name: str, credentials: str | None, email: str | None, now: datetime
) -> Identity:
    """A new EC P-256 key and self-signed certificate for document signing."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    if not name.strip():
        raise UsageError("--name: the signer's name is needed")
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name.strip())]
    if credentials:
        attributes.append(x509.NameAttribute(NameOID.TITLE, credentials.strip()))
    if email:
        attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email.strip()))
    subject = x509.Name(attributes)
    start = now.astimezone(UTC) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier(DOCUMENT_SIGNING)]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email.strip())]), critical=False
        )
    return Identity(key, builder.sign(key, hashes.SHA256()))


def _encryption(passphrase: str) -> Any:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

    return (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(200_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase.encode())
    )


def save_identity(identity: Identity, passphrase: str, path: Path | None = None) -> Path:
    """Write the identity as PKCS#12 (AES-256), mode 0600, atomically; never over another.

    Neither file is ever opened through a link planted at its name. Each is written to a new
    file of its own (O_EXCL | O_NOFOLLOW, 0600) and then put in place: the key by a hard link,
    which fails on anything already at the name (an identity, or a symbolic link: a key is
    never replaced); the certificate, a public copy that belongs to the new key, by rename,
    which replaces what was at the name (a link included) and never writes through it.
    """
    from cryptography.hazmat.primitives.serialization import pkcs12

    if len(passphrase) < 8:
        raise UsageError("the passphrase must have at least 8 characters")
    path = path or identity_path()
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link: remove it; the identity is not written")
    if path.exists():
        raise UsageError(f"{path} already exists: a signing identity is set up already")
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # the key's folder is the owner's only, even if it was made before
    data = pkcs12.serialize_key_and_certificates(
        identity.name.encode(),
        identity.key,
        identity.certificate,
        list(identity.chain) or None,
        _encryption(passphrase),
    )
    temp = _write_new(folder, data)
    try:
        os.link(temp, path)  # fails if another identity (or a link) appeared meanwhile
    except FileExistsError:
        raise UsageError(f"{path} already exists: a signing identity is set up already") from None
    finally:
        temp.unlink(missing_ok=True)
    temp = _write_new(folder, identity.certificate_pem())
    try:
        temp.replace(path.with_name("signer.pem"))
    finally:
        temp.unlink(missing_ok=True)
    _sync_folder(folder)
    return path


def _write_new(folder: Path, data: bytes) -> Path:
    """`data` in a new owner-only file in `folder`, synced to disk; its path."""
    for _ in range(100):
        temp = folder / f".signer.{secrets.token_hex(8)}"
        try:
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return temp
    raise FileExistsError(f"{folder}: no free name for a new file")


def _sync_folder(folder: Path) -> None:
    """Make the new names durable: the files are synced, their folder entries too."""
    with contextlib.suppress(OSError):  # not every file system syncs a folder
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def require_identity(path: Path | None = None) -> Path:
    """The user's identity file, or the error that there is none.

    Checked before the passphrase is asked for: on a first run the nurse must not type a
    passphrase only to learn there was nothing to unlock.
    """
    path = path or identity_path()
    if not path.is_file():
        raise SignerError(
            f"no signing identity at {path}: run 'kyphocheck signer init', or use --no-sign"
        )
    return path


def load_identity(passphrase: str, path: Path | None = None) -> Identity:
    """Read and decrypt the user's identity; one clear error for each way this can fail."""
    return read_identity(require_identity(path), passphrase)


def read_identity(path: Path, passphrase: str) -> Identity:
    """Decrypt a PKCS#12 file: the user's identity, or a site-issued one being imported."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SignerError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(content, passphrase.encode())
    except ValueError:
        raise WrongPassphrase(f"{path}: wrong passphrase, or not a PKCS#12 file") from None
    if key is None or certificate is None:
        raise SignerError(f"{path}: the file holds no key and certificate")
    return Identity(key, certificate, tuple(chain))


def passphrase_is_asked(passphrase_file: Path | None) -> bool:
    """Whether `read_passphrase` asks at the terminal (no file, no variable, a terminal)."""
    import sys

    return passphrase_file is None and not os.environ.get(PASSPHRASE_ENV) and sys.stdin.isatty()


def read_passphrase(passphrase_file: Path | None, *, confirm: bool = False) -> str:
    """From --passphrase-file, KYPHOCHECK_SIGNER_PASSPHRASE, or a masked prompt."""
    if passphrase_file is not None:
        try:
            return passphrase_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise UsageError(
                f"--passphrase-file: cannot read {passphrase_file} ({exc.strerror})"
            ) from None
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    import sys

    if not sys.stdin.isatty():
        raise UsageError(
            f"no passphrase: set {PASSPHRASE_ENV} or use --passphrase-file, or --no-sign"
        )
    import getpass

    passphrase = getpass.getpass("Signing passphrase: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != passphrase:
        raise UsageError("the passphrases do not match")
    return passphrase
