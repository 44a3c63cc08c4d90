"""`python -m nianbao` is the command line."""

from nianbao.apps.cli import run

run()
