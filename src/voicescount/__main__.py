"""``python -m voicescount`` runs the command-line interface."""

from voicescount.cli import main

main()
