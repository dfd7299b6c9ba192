"""The command line: the only package that imports typer, rich and questionary.

`kyphocheck.cli:main` is the installed entry point; the app is imported only when it runs.
"""


def main() -> None:
    """Run the kyphocheck command line."""
    from kyphocheck.cli.app import main as run_app

    run_app()
