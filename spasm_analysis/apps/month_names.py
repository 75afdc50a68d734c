"""Day-and-month dates written in the languages Daylio is used in ("7 września", "7. Sept.", "9月7日").

Daylio's older export writes the date as a day and a month name in the
phone's language, without the year (the ``year`` column has it).  Month names
come from the Unicode CLDR through Babel (every width and grammatical form:
Polish "września" and "wrzesień", abbreviated "wrz"), so no language needs a
hand-written table.  A file is read in one language: the one whose month names
cover every date in it; when several languages would read the same names as
different months, the caller must say which (``language=``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["DAYLIO_LANGUAGES", "month_tables", "read_day_month"]

#: Languages Daylio offers (CLDR codes), English first.
DAYLIO_LANGUAGES = (
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "sk", "hu", "ro", "hr", "sl", "sr_Latn", "bg", "ru",
    "uk", "el", "tr", "sv", "da", "nb", "fi", "et", "lv", "lt", "ca", "id", "ms", "vi", "ja", "ko", "zh", "he", "ar", "th",
)
_NUMBER = re.compile(r"\d{1,2}")


def _clean(token: str) -> str:
    return unicodedata.normalize("NFC", token).strip().strip(".,").lower()


@lru_cache(maxsize=None)
def month_tables(language: str) -> dict[str, int]:
    """Every spelling of each month in ``language`` (lower case, no trailing dot) -> month number."""
    from babel.dates import get_month_names

    table: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, locale=language).items():
                # CJK month names carry the number themselves ("9月"); the number alone identifies them.
                table.setdefault(_clean(name), number)
    return table


def _parts(text: str) -> tuple[int, str] | None:
    """(day, month word) from "7 września", "września 7", "7. Sept.", "9月7日" or "9월 7일"."""
    cjk = re.fullmatch(r"\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]\s*", text)
    if cjk:
        return int(cjk[2]), f"{int(cjk[1])}{'月' if '月' in text else '월'}"
    numbers = _NUMBER.findall(text)
    words = [w for w in re.split(r"[\s\d.,]+", text) if w.strip(".,-")]
    if len(numbers) != 1 or len(words) != 1:
        return None
    return int(numbers[0]), _clean(words[0])


def read_day_month(texts, *, language: str | None = None) -> tuple[dict[str, tuple[int, int]], str | None]:
    """``({text: (month, day)}, None)`` for every text, or ``({}, message)`` saying why not.

    Parameters
    ----------
    texts : iterable of str
        The distinct date texts of a file.
    language : str, optional
        A CLDR language code ("pl"); by default the first of
        :data:`DAYLIO_LANGUAGES` whose month names cover every text, unless
        another one covering them all reads some name as a different month.
    """
    parts = {text: _parts(text) for text in texts}
    unreadable = [text for text, found in parts.items() if found is None]
    if unreadable:
        return {}, f"not a day and a month name: {', '.join(map(repr, unreadable[:5]))}"
    candidates = (language,) if language is not None else DAYLIO_LANGUAGES
    readings = {}
    for code in candidates:
        try:
            table = month_tables(code)
        except (ValueError, LookupError) as error:
            raise ValueError(f"language must be a CLDR language code such as 'pl' or 'de' ({error})") from None
        if all(word in table for _, word in parts.values()):
            readings[code] = {text: (table[word], day) for text, (day, word) in parts.items()}
    if not readings:
        words = sorted({word for _, word in parts.values() if not any(word in month_tables(c) for c in candidates)})
        scope = f"in language {language!r}" if language else "in any of Daylio's languages"
        return {}, f"month name(s) {', '.join(map(repr, words[:8]))} not recognised {scope}; pass language= (e.g. 'pl')"
    first_code, first = next(iter(readings.items()))
    disagreeing = [code for code, reading in readings.items() if reading != first]
    if disagreeing:
        return {}, (f"the month names read differently in {first_code!r} and {disagreeing[0]!r} "
                    f"(e.g. {next(t for t in first if first[t] != readings[disagreeing[0]][t])!r}); pass language=")
    return first, None
