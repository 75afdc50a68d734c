"""Where a report may be written, checked before any analysis runs.

The report must never replace the data it was made from (``report log.csv -o
log.csv`` would turn a person's only log into HTML), and a path that cannot be
written (an existing folder, a parent that is a file, a name the file system
cannot encode or hold) should fail in a second, not after minutes of analysis.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["OutputPath", "input_files"]


def input_files(source: Path) -> list[Path]:
    """The files a report of ``source`` reads: the file itself, or a folder's table files."""
    from ..io.folder import find_table_files

    if source.is_dir():
        try:
            return list(find_table_files(source).values())
        except ValueError:
            # Two files for one table: reading will say so; none of them may be overwritten.
            return [path for path in source.iterdir() if path.is_file()]
    return [source]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


class OutputPath:
    """An output file checked against the inputs and created empty, removed again unless :meth:`keep` is called.

    Use as a context manager around the analysis::

        with OutputPath(output, inputs) as target:
            ...  # analysis
            target.path.write_text(page)
            target.keep()
    """

    def __init__(self, path, inputs: list[Path], *, siblings: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        self._created: list[Path] = []
        self._kept = False
        for target in (self.path, *(self.path.with_suffix(s) for s in siblings)):
            self._check(target, inputs)

    @staticmethod
    def _check(target: Path, inputs: list[Path]) -> None:
        try:
            os.fsencode(target)
        except UnicodeError:
            raise ValueError(f"the output name {ascii(str(target))} cannot be encoded for this file system; choose another name") from None
        for source in inputs:
            if target.resolve() == source.resolve() or _same_file(target, source):
                raise ValueError(f"the output {target} is an input of this report; choose another output name (the input is left as it was)")
        if target.is_dir():
            raise ValueError(f"the output {target} is an existing folder; give a file name such as {target / 'report.html'}")
        for parent in target.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise ValueError(f"the output {target} cannot be created: {parent} is a file, not a folder")
                break

    def __enter__(self) -> "OutputPath":
        missing = [p for p in self.path.parents if not p.exists()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._created.extend(reversed(missing))
        existed = self.path.exists()
        # Opening for append proves the name is writable without touching an existing file's content.
        with self.path.open("a", encoding="utf-8"):
            pass
        if not existed:
            self._created.append(self.path)
        return self

    def keep(self) -> None:
        """The output was written: leave it (and the folders made for it) in place."""
        self._kept = True

    def __exit__(self, *exc) -> None:
        if self._kept:
            return
        for path in reversed(self._created):
            try:
                path.unlink() if not path.is_dir() else path.rmdir()
            except OSError:
                pass
