"""`kyphocheck signer init` and `signer show`: the signing identity at the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kyphocheck.cli.help import Command
from kyphocheck.cli.options import NowOption, PassphraseOption, make_clock, reports_errors

signer_app = typer.Typer(
    help="Create, import or show the signing identity.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@signer_app.command("init", cls=Command)
@reports_errors
def signer_init(
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="Signer's full name.")
    ] = None,
    credentials: Annotated[
        str | None, typer.Option("--credentials", metavar="TEXT", help="Credentials, e.g. RN.")
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", metavar="ADDRESS", help="E-mail address.")
    ] = None,
    import_file: Annotated[
        Path | None,
        typer.Option(
            "--import",
            metavar="FILE",
            help="Adopt a site-issued identity (.p12) instead.",
            dir_okay=False,
        ),
    ] = None,
    passphrase_file: PassphraseOption = None,
    now: NowOption = None,
) -> None:
    """Create a signing identity, or import a site-issued one.

    A new identity is an EC P-256 key with a self-signed certificate; --import adopts a .p12.
    """
    from kyphocheck.cli.output import print_identity
    from kyphocheck.errors import UsageError
    from kyphocheck.signatures.identity import (
        create_identity,
        read_identity,
        read_passphrase,
        save_identity,
    )

    clock = make_clock(now)
    if import_file is not None:
        passphrase = read_passphrase(passphrase_file)
        identity = read_identity(import_file, passphrase)
    else:
        if name is None:
            raise UsageError("give --name (and --credentials), or --import FILE.p12")
        passphrase = read_passphrase(passphrase_file, confirm=True)
        identity = create_identity(name, credentials, email, clock.real_now())
    path = save_identity(identity, passphrase)
    print_identity(identity, clock.real_now())
    typer.echo(f"Saved to {path} (owner only).")


@signer_app.command("show", cls=Command)
@reports_errors
def signer_show(now: NowOption = None) -> None:
    """Show the active signing identity.

    Its subject, credentials, fingerprint and expiry; never its key.
    """
    from cryptography import x509

    from kyphocheck.cli.output import print_identity
    from kyphocheck.signatures.identity import Identity, SignerError, certificate_path

    path = certificate_path()
    if not path.is_file():
        raise SignerError("no signing identity: run 'kyphocheck signer init'")
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    print_identity(Identity(None, certificate), make_clock(now).now)
