"""What a command-line subcommand is, for the modules that define one.

Each subcommand's module builds a :class:`Command`; ``spasm_analysis.cli``
lists them. The modules import this small module, never the CLI, so there is
no import cycle between the CLI and the report.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

__all__ = ["Command", "load_log"]


@dataclass(frozen=True)
class Command:
    """One subcommand: ``configure(parser)`` adds arguments, ``run(args, out)`` returns an exit code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, TextIO], int]


def load_log(path: str, *, err: TextIO, **reading):
    """Read any source with :func:`~spasm_analysis.reading.read_source`, printing its warnings as notes on ``err``."""
    from .reading import read_source_noting

    log, notes = read_source_noting(path, **reading)
    for message in notes:
        print(f"note: {message}", file=err)
    return log
