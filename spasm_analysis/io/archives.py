"""Why a zip could not be read, in one sentence: the same words for an .xlsx workbook and an app's export zip.

Both are zip archives, and both fail in the same ways (cut short while
copying, damaged compressed data, a password); the remedy the sentence ends
with is the caller's, because it depends on what the zip is.
"""

from __future__ import annotations

import zipfile
import zlib

__all__ = ["ZIP_ERRORS", "zip_problem"]

#: What the standard library raises for a damaged, truncated or encrypted zip.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, RuntimeError, EOFError, NotImplementedError)


def zip_problem(error: BaseException, *, if_encrypted: str) -> str:
    """The reason ``error`` gives, in words; ``if_encrypted`` says what to do about a password-protected zip.

    Examples
    --------
    >>> zip_problem(zipfile.BadZipFile("File is not a zip file"), if_encrypted="save an unprotected copy")
    'not a readable zip file, perhaps corrupt or cut short (BadZipFile: File is not a zip file); copy or download it again'
    """
    text = str(error)
    if "encrypted" in text or "password" in text:
        return f"it is encrypted ({text}); {if_encrypted}"
    if isinstance(error, zlib.error):
        return f"its compressed data is damaged ({text}); copy or download it again"
    return f"not a readable zip file, perhaps corrupt or cut short ({type(error).__name__}: {text}); copy or download it again"
