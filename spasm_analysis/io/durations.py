"""Episode lengths as people write them: "3 days", "3-4 days", "a week", "36h", "a few days".

A bare number is a number of days.  :func:`parse_length` returns what was said
as a :class:`WrittenLength`: the shortest and the longest the episode can have
lasted, and whether it was still going.  :func:`parse_duration` returns the one
:class:`pandas.Timedelta` added to the onset to give the episode's ``end``.

==========================================  ==========================  =========
written                                     shortest - longest          ongoing
==========================================  ==========================  =========
3 days, 36h, a week, 1 week and 2 days      exactly that
3-4 days, 3 to 4 days                       3 - 4 days
a couple of days                            2 days
a few days / several days                   2 - 4 / 3 - 7 days
a few weeks / several weeks                 2 - 4 / 3 - 7 weeks
over a week, more than a week, 8+ days      8 days - not known
at least 5 days                             5 days - not known
still going, ongoing, hasn't stopped        not known                   yes
9 days and still going                      9 days - not known          yes
?, unknown, n/a, blank                      not known                   no
==========================================  ==========================  =========

"More than a week" is read in whole days: the spasm was still there on the
eighth day.

Ranges ("3-4 days", "3 to 4 days") use the **upper bound** by default: the
episode's end is the instant it is over, and "3-4 days" says it was over after
at most four.  Taking the upper bound keeps days on which the spasm may still
have been going on out of the at-risk time (a person is not at risk of a new
episode during one), and keeps whole-day lengths whole.  ``range_rule="lower"``
or ``"midpoint"`` choose otherwise.

"a few days" and "several days" are ranges in the same way.  Months have no
fixed length, so they are reported as problems rather than guessed.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from ..options import check_option

__all__ = ["MAX_DURATION", "RANGE_RULES", "WrittenLength", "parse_length", "parse_duration", "parse_duration_column", "parse_length_column", "ACCEPTED_LENGTHS"]

RANGE_RULES = ("upper", "lower", "midpoint")
#: Longer than any episode or treatment course, so a longer "duration" is a mistake.
MAX_DURATION = pd.Timedelta(days=36525)

_UNIT_DAYS = {
    "w": 7.0, "wk": 7.0, "wks": 7.0, "week": 7.0, "weeks": 7.0,
    "d": 1.0, "day": 1.0, "days": 1.0,
    "h": 1 / 24, "hr": 1 / 24, "hrs": 1 / 24, "hour": 1 / 24, "hours": 1 / 24,
    "m": 1 / 1440, "min": 1 / 1440, "mins": 1 / 1440, "minute": 1 / 1440, "minutes": 1 / 1440,
    "fortnight": 14.0, "fortnights": 14.0, "night": 1.0, "nights": 1.0,
}
_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fourteen": 14, "couple": 2, "a couple": 2, "a couple of": 2, "couple of": 2,
    "half a": 0.5, "half an": 0.5, "half": 0.5,
}
_WHOLE = {"all week": 7.0, "the whole week": 7.0, "whole week": 7.0, "all day": 1.0, "the whole day": 1.0,
          "whole day": 1.0, "all weekend": 2.0, "the whole weekend": 2.0, "whole weekend": 2.0,
          "overnight": 0.5}
_HEDGES = re.compile(r"^(?:lasted|about|around|approx\.?|approximately|roughly|circa|ca\.?|~|maybe|almost|nearly|for)\s*")
_NUMBER = r"(?:\d+(?:[.,]\d+)?|" + "|".join(sorted(map(re.escape, _WORD_NUMBERS), key=len, reverse=True)) + ")"
_UNIT = "|".join(sorted(_UNIT_DAYS, key=len, reverse=True))
_RANGE = re.compile(rf"^(?P<low>{_NUMBER})\s*(?:-|–|—|to|or)\s*(?P<high>{_NUMBER})\s*(?P<unit>{_UNIT})?$")
_TERM = re.compile(rf"(?P<number>{_NUMBER})?\s*(?P<unit>{_UNIT})\b\s*(?:and\s+|,\s*)?")
_ISO = re.compile(r"^p(?:(?P<w>\d+(?:\.\d+)?)w)?(?:(?P<d>\d+(?:\.\d+)?)d)?(?:t(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?)?$")
_CLOCK = re.compile(r"^(?P<h>\d+):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")
_UNKNOWN = {"unknown", "not known", "don't know", "dont know", "?", "??", "-", "n/a", "na", "not sure"}
_ONGOING = re.compile(
    r"^(?:(?P<before>.+?)\s*(?:,|and|but|;)?\s*)?(?:still going|still ongoing|ongoing|continuing|still continuing|"
    r"hasn'?t stopped|has not stopped|not over(?: yet)?|still there|and counting|still)"
    r"(?:\s*(?:after|for|at|,)?\s*(?P<after>.+?))?(?:\s*so far)?$"
)
_VAGUE_COUNT = {"a few": (2.0, 4.0), "few": (2.0, 4.0), "several": (3.0, 7.0)}
_VAGUE = re.compile(rf"^(?P<word>a few|few|several)\s+(?P<unit>{'|'.join(sorted(_UNIT_DAYS, key=len, reverse=True))})$")
_AT_LEAST = re.compile(r"^(?:(?P<over>over|more than|longer than|at least|\+|>=?|min(?:imum)?)\s*(?P<rest>.+)|(?P<plus>.+?)\s*\+\s*(?P<unit>[a-z]*))$")
#: Shown in every error about a length that could not be read.
ACCEPTED_LENGTHS = (
    "3 days, 3-4 days, 36h, a week, a couple of days, a few days, several days, over a week, "
    "still going, ? (not known)"
)


@dataclass(frozen=True)
class WrittenLength:
    """What a written length says: the shortest and longest it can be, and whether it was still going.

    ``shortest``/``longest`` are Timedeltas (NaT = not known; ``longest`` NaT
    with a known ``shortest`` means "at least").
    """

    shortest: pd.Timedelta
    longest: pd.Timedelta
    ongoing: bool = False

    def chosen(self, range_rule: str = "upper") -> pd.Timedelta:
        """The one length used for ``end``: by ``range_rule`` for a range; the shortest when open-ended."""
        if pd.isna(self.shortest):
            return pd.NaT
        if pd.isna(self.longest) or self.ongoing:
            return self.shortest
        low, high = self.shortest, self.longest
        return {"upper": high, "lower": low, "midpoint": _checked(low + (high - low) / 2)}[range_rule]


_NOT_KNOWN = WrittenLength(pd.NaT, pd.NaT)


def _number(text: str) -> float:
    if text in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[text])
    return float(text.replace(",", "."))


def parse_duration(value: Any, *, range_rule: str = "upper") -> pd.Timedelta:
    """Parse one written duration into a :class:`pandas.Timedelta`.

    Parameters
    ----------
    value : str, number or timedelta
        ``3`` (days), ``"3 days"``, ``"3-4 days"``, ``"a week"``, ``"36h"``,
        ``"lasted all week"``, ``"1d 02h 15m"``, ``"1 week and 2 days"``,
        ``"half a day"``, ISO 8601 ``"P3DT12H"``, ``"a few days"``,
        ``"over a week"`` (its shortest, 8 days).  Empty values, ``"?"`` and
        ``"still going"`` give ``NaT`` (see :func:`parse_length` for what they say).
    range_rule : {"upper", "lower", "midpoint"}
        Which end of a written range to use.

    Raises
    ------
    ValueError
        If the text is not a duration, or the duration is negative; the message
        lists the accepted forms.

    Examples
    --------
    >>> parse_duration("3-4 days")
    Timedelta('4 days 00:00:00')
    >>> parse_duration("36h")
    Timedelta('1 days 12:00:00')
    """
    check_option("range_rule", range_rule, RANGE_RULES)
    length = parse_length(value)
    return pd.NaT if length.ongoing and pd.isna(length.longest) and pd.isna(length.shortest) else length.chosen(range_rule)


def parse_length(value: Any) -> WrittenLength:
    """Parse one written length into a :class:`WrittenLength` (see the module table).

    Examples
    --------
    >>> parse_length("several days")
    WrittenLength(shortest=Timedelta('3 days 00:00:00'), longest=Timedelta('7 days 00:00:00'), ongoing=False)
    >>> parse_length("still going").ongoing
    True
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return _NOT_KNOWN
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        return _exact(_checked(pd.Timedelta(value)))
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("not a duration")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not np.isfinite(value):
            raise ValueError("not a finite number of days")
        return _exact(_checked(_days(float(value))))
    if not isinstance(value, str):
        raise ValueError(f"not a duration ({type(value).__name__})")
    text = re.sub(r"\s+", " ", value.strip().lower()).rstrip(".!")
    if not text or text in _UNKNOWN:
        return _NOT_KNOWN
    try:
        return _parse_length_text(text)
    except ValueError as error:
        raise ValueError(f"{error}; lengths can be written as {ACCEPTED_LENGTHS}") from None


def _exact(delta: pd.Timedelta) -> WrittenLength:
    return WrittenLength(delta, delta)


def _parse_length_text(text: str) -> WrittenLength:
    if match := _ONGOING.match(text):
        so_far = match["before"] or match["after"]
        if not so_far:
            return WrittenLength(pd.NaT, pd.NaT, ongoing=True)
        known = _parse_length_text(_strip_hedges(so_far))
        return WrittenLength(known.shortest, pd.NaT, ongoing=True)
    text = _strip_hedges(text)
    if match := _VAGUE.match(text):
        low, high = _VAGUE_COUNT[match["word"]]
        per = _UNIT_DAYS[match["unit"]]
        return WrittenLength(_checked(_days(low * per)), _checked(_days(high * per)))
    if match := _AT_LEAST.match(text):
        if match["plus"] is not None:
            shortest = _checked(_parse_text(f"{match['plus']} {match['unit']}".strip(), "lower"))
            return WrittenLength(shortest, pd.NaT)
        shortest = _checked(_parse_text(_strip_hedges(match["rest"]), "upper"))
        if match["over"] in ("over", "more than", "longer than", ">") and shortest >= pd.Timedelta(days=1):
            # "more than a week" in whole days: still there on the eighth day.
            shortest = _checked(shortest.ceil("D") + pd.Timedelta(days=1))
        return WrittenLength(shortest, pd.NaT)
    if match := _RANGE.match(text):
        low = _checked(_parse_text(text, "lower"))
        return WrittenLength(low, _checked(_parse_text(text, "upper")))
    return _exact(_checked(_parse_text(text, "upper")))


def _strip_hedges(text: str) -> str:
    previous = None
    while previous != text:  # "lasted about 3 days": strip every hedge word
        previous = text
        text = _HEDGES.sub("", text).strip()
    return text


def _days(days: float) -> pd.Timedelta:
    if abs(days) > MAX_DURATION.days + 1:
        raise ValueError("longer than 100 years; is this a date rather than a duration?")
    # Rounded to the second so that "36h" and 1.5 days agree exactly.
    return pd.Timedelta(seconds=round(days * 86400))


def _checked(delta: pd.Timedelta) -> pd.Timedelta:
    if delta < pd.Timedelta(0):
        raise ValueError("a duration cannot be negative")
    if delta > MAX_DURATION:
        raise ValueError("longer than 100 years; is this a date rather than a duration?")
    return delta.as_unit("ns")


def _parse_text(text: str, range_rule: str) -> pd.Timedelta:
    text = _strip_hedges(text)
    if text in _WHOLE:
        return _days(_WHOLE[text])
    if re.fullmatch(r"-?\d+(?:[.,]\d+)?", text):
        return _days(_number(text))
    if match := _ISO.match(text):
        if any(match.groupdict().values()):
            parts = {k: float(v) if v else 0.0 for k, v in match.groupdict().items()}
            return _days(parts["w"] * 7 + parts["d"] + parts["h"] / 24 + parts["m"] / 1440 + parts["s"] / 86400)
    if match := _CLOCK.match(text):
        return _days(int(match["h"]) / 24 + int(match["m"]) / 1440 + int(match["s"] or 0) / 86400)
    if match := _RANGE.match(text):
        low, high = _number(match["low"]), _number(match["high"])
        if high < low:
            raise ValueError("a range must go from low to high")
        per = _UNIT_DAYS[match["unit"]] if match["unit"] else 1.0
        chosen = {"upper": high, "lower": low, "midpoint": (low + high) / 2}[range_rule]
        return _days(chosen * per)
    if re.search(r"\bmonths?\b", text):
        raise ValueError("months have no fixed length; write the number of days or weeks")
    if re.search(r"\b(some|many)\b", text):
        raise ValueError("no number given; write e.g. '3 days', '3-4 days' or 'a few days'")
    return _days(_sum_of_terms(text))


def _sum_of_terms(text: str) -> float:
    """Add up "1d 02h 15m", "1 week and 2 days", "a day and a half"."""
    total = 0.0
    position = 0
    found = False
    for match in _TERM.finditer(text):
        if match.start() != position or (match["number"] is None and match["unit"] not in ("fortnight", "night")):
            break
        total += (_number(match["number"]) if match["number"] else 1.0) * _UNIT_DAYS[match["unit"]]
        position = match.end()
        found = True
    rest = text[position:].strip()
    if found and re.fullmatch(r"(?:and )?(?:a )?half", rest):
        return total * 1.5
    if not found or rest:
        raise ValueError("not a recognisable duration; write e.g. '3 days', '36h' or '3-4 days'")
    return total


def parse_duration_column(
    values: pd.Series, *, table: str, column: str, problems, range_rule: str = "upper"
) -> pd.Series:
    """Parse a column of durations; unparseable cells are recorded in ``problems``.

    Returns a ``timedelta64[ns]`` Series (``NaT`` for empty or bad cells).
    """
    return parse_length_column(values, table=table, column=column, problems=problems, range_rule=range_rule)["length"]


def parse_length_column(
    values: pd.Series, *, table: str, column: str, problems, range_rule: str = "upper"
) -> pd.DataFrame:
    """Parse a column of written lengths, keeping what each says.

    Returns a DataFrame on the same index: ``length`` (the one used for the
    end, by ``range_rule``), ``shortest``, ``longest`` (timedelta64; NaT = not
    known) and ``ongoing`` (bool).  Unparseable cells are recorded in
    ``problems`` and give NaT.
    """
    check_option("range_rule", range_rule, RANGE_RULES)
    if pd.api.types.is_timedelta64_dtype(values.dtype):
        exact = values.astype("timedelta64[ns]")
        return pd.DataFrame({"length": exact, "shortest": exact, "longest": exact, "ongoing": False}, index=values.index)
    rows = []
    cache: dict[Any, WrittenLength | str] = {}
    for label, value in values.items():
        key = (type(value), value) if isinstance(value, Hashable) else None
        result = cache.get(key) if key is not None else None
        if result is None:
            try:
                result = parse_length(value)
                result.chosen(range_rule)
            except (ValueError, OverflowError) as error:
                result = str(error)
            if key is not None:
                cache[key] = result
        if isinstance(result, str):
            problems.add(table, label, column, value, result)
            result = _NOT_KNOWN
        rows.append((result.chosen(range_rule), result.shortest, result.longest, result.ongoing))
    columns = list(zip(*rows)) if rows else [(), (), (), ()]
    out = pd.DataFrame(index=values.index)
    for name, cells in zip(("length", "shortest", "longest"), columns):
        out[name] = pd.to_timedelta(pd.Series(cells, dtype=object)).to_numpy().astype("timedelta64[ns]")
    out["ongoing"] = np.asarray(columns[3], dtype=bool)
    return out
