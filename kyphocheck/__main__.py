"""`python -m kyphocheck`."""

from kyphocheck.cli import main

main()
