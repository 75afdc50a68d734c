"""Finding and streaming the XML of an Apple Health export, defensively.

An export reaches the reader as ``export.xml``, as the ``export.zip`` Health
writes, or as the folder that zip unpacks to; the XML's name is localized
(``Exportieren.xml`` in German, ``Export.xml``), so it is found by its
``<HealthData`` root, not by its name.

The bytes are filtered on their way to the parser:

* the document type declaration is dropped: only ``Record`` and ``Workout``
  elements are needed, and iOS 16 wrote a DTD that is not well-formed, which
  would otherwise reject the whole file;
* control characters XML 1.0 forbids (stray ones appear in device names and
  notes) are deleted; in UTF-8 these bytes never occur inside a multi-byte
  character, so deleting them at the byte level is safe;
* decompressed bytes are counted against a limit, so a small zip that unpacks
  to gigabytes of XML stops with a named error instead of running for minutes;
* a run of more than :data:`MAX_TOKEN_BYTES` without a tag end is refused: no
  Health record is that long, and the XML parser slows down on huge tokens.
"""

from __future__ import annotations

import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

from .. import limits
from ..io.archives import ZIP_ERRORS, zip_problem
from ..schema import LogValidationError, Problem

__all__ = ["open_health_xml", "find_health_xml", "MAX_TOKEN_BYTES", "MAX_RATIO", "MIN_LIMIT_BYTES"]

#: Longest run of bytes without a '>' accepted (a Health record is well under a kilobyte).
MAX_TOKEN_BYTES = 1 << 20
#: Decompressed bytes allowed per compressed byte (Health exports compress about 10-30 to 1).
MAX_RATIO = 100
#: Decompressed bytes allowed whatever the zip's size.
MIN_LIMIT_BYTES = 64 << 20
_HEAD_BYTES = 4096
_DTD_SEARCH_BYTES = 4 << 20
_CONTROL = bytes(c for c in range(32) if c not in (9, 10, 13))
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+HealthData\b(?:[^\[>]*\[.*?\]\s*)?[^>]*>", re.S)


def _error(path: Path, message: str) -> LogValidationError:
    return LogValidationError([Problem(path.name, None, None, None, message)], f"the Apple Health export {path.name!r}")


def _is_health_xml(head: bytes) -> bool:
    return b"<HealthData" in head


def find_health_xml(path: Path) -> tuple[str, str | None]:
    """``("file", None)``, ``("zip", member)`` or ``("folder", file)``; ValueError when there is none.

    The member or file is ``export.xml`` (any case) or, failing that, the XML
    file whose start holds a ``<HealthData`` element (a localized name); the
    clinical-records file ``export_cda.xml`` never is.
    """
    if path.is_dir():
        candidates = sorted((p for p in path.rglob("*.xml") if "cda" not in p.name.lower()), key=lambda p: (len(p.parts), p.name))
        for candidate in sorted(candidates, key=lambda p: p.name.lower() != "export.xml"):
            with candidate.open("rb") as handle:
                if _is_health_xml(handle.read(_DTD_SEARCH_BYTES)):
                    return "folder", str(candidate)
        raise ValueError(f"the folder {path.name} holds no Apple Health XML (an XML file with a <HealthData> element)")
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            if handle.read(4) == b"PK\x03\x04":
                raise _error(path, _zip_problem(zipfile.BadZipFile("it starts like a zip but has no directory at its end")))
        return "file", None
    try:
        with zipfile.ZipFile(path) as archive:
            everything = archive.namelist()
            names = [n for n in everything if n.lower().endswith(".xml") and "cda" not in Path(n).name.lower()]
            names.sort(key=lambda n: (Path(n).name.lower() != "export.xml", n.count("/"), n))
            for name in names:
                with archive.open(name) as handle:
                    if _is_health_xml(handle.read(_DTD_SEARCH_BYTES)):
                        return "zip", name
    except (*ZIP_ERRORS, OSError) as error:
        raise _error(path, _zip_problem(error)) from None
    shown = ", ".join(everything[:10]) + (", ..." if len(everything) > 10 else "") or "nothing"
    raise ValueError(f"{path.name} is a zip without an Apple Health export XML (a <HealthData> element); it holds {shown}")


def _zip_problem(error: Exception) -> str:
    return zip_problem(error, if_encrypted="unzip it with its password and read the export folder")


def _too_large(path: Path, limit: int) -> LogValidationError:
    return _error(path, f"the XML unpacks to more than {limit:,} bytes, far more than its zip's size suggests "
                        f"(a zip bomb?); pass max_xml_bytes= to raise the limit, or unzip it yourself and read the XML file "
                        f"(at most {limits.environment_variable('max_decompressed_bytes')} bytes are unpacked from any zip)")


class _Filtered:
    """A read-only byte stream: the DTD dropped, forbidden control bytes deleted, size limits checked."""

    def __init__(self, raw, path: Path, limit: int | None) -> None:
        self._raw, self._path, self._limit = raw, path, limit
        self._read = 0
        self._since_tag_end = 0
        self._head = True

    def _take(self, size: int) -> bytes:
        chunk = self._raw.read(size)
        self._read += len(chunk)
        if self._limit is not None and self._read > self._limit:
            raise _too_large(self._path, self._limit)
        return chunk

    def read(self, size: int = -1) -> bytes:
        size = 1 << 16 if size is None or size < 0 else size
        chunk = self._take(size)
        if self._head:
            # The DTD sits before <HealthData>; gather the head until the root starts.
            while chunk and b"<HealthData" not in chunk and len(chunk) < _DTD_SEARCH_BYTES:
                more = self._take(size)
                if not more:
                    break
                chunk += more
            # Replaced by its newlines, so parser errors still name the file's own lines.
            chunk = _DOCTYPE.sub(lambda m: b"\n" * m.group().count(b"\n"), chunk, count=1)
            self._head = False
        chunk = chunk.translate(None, _CONTROL)
        last = chunk.rfind(b">")
        self._since_tag_end = len(chunk) - last - 1 if last >= 0 else self._since_tag_end + len(chunk)
        if self._since_tag_end > MAX_TOKEN_BYTES:
            raise _error(self._path, f"the XML holds a run of more than {MAX_TOKEN_BYTES:,} bytes without a tag end "
                                     f"(after byte {self._read - self._since_tag_end:,}); no Health record is that long")
        return chunk


@contextmanager
def open_health_xml(path: Path, *, max_xml_bytes: int | None = None, filtered: bool = True):
    """The export's XML as a filtered byte stream (see the module notes); ``filtered=False``: as written."""
    kind, name = find_health_xml(path)
    wrap = (lambda raw, limit: _Filtered(raw, path, limit)) if filtered else (lambda raw, limit: raw)
    if kind == "zip":
        try:
            with zipfile.ZipFile(path) as archive:
                info = archive.getinfo(name)
                limit = max_xml_bytes if max_xml_bytes is not None else min(
                    max(MAX_RATIO * info.compress_size, MIN_LIMIT_BYTES), limits.current().max_decompressed_bytes)
                if filtered and info.file_size > limit:
                    raise _too_large(path, limit)  # the declared size; a zip that lies is caught while reading
                with archive.open(info) as raw:
                    yield wrap(raw, limit)
        except ZIP_ERRORS as error:
            raise _error(path, _zip_problem(error)) from None
    else:
        with Path(name if kind == "folder" else path).open("rb") as raw:
            yield wrap(raw, max_xml_bytes)
