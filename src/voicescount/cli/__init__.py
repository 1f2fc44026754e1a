from voicescount.cli.main import main

__all__ = ["main"]
