"""Map the ways people write treatments ("chiro", "PT", "Flexeril 10mg") to modalities.

The mapping is data, not code: ``spasm_analysis/data/modalities.csv`` lists one
rule per row (``pattern``, ``kind`` = ``word`` or ``regex``, ``modality``,
``note``), and :func:`modality_vocabulary` shows it as a DataFrame.  Rules are
tried in order and the first match wins, so specific phrases come before
general ones ("trigger point injection" -> injection before "trigger point" ->
trigger_point_therapy).  A ``word`` pattern matches whole words, case-insensitive,
with an optional plural "s"; a ``regex`` pattern is searched case-insensitively.

A user extends the vocabulary by passing ``vocabulary=`` (a DataFrame with the
same columns, or a dict *pattern -> modality* of word patterns): those rules are
tried before the defaults, so they also override them.  Names that match no
rule stay as written; :func:`unknown_modalities` lists them.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "KINDS",
    "UnknownModalityWarning",
    "map_modalities",
    "modality_vocabulary",
    "normalize_modality",
    "unknown_modalities",
    "known_modalities",
]

KINDS = ("word", "regex")


class UnknownModalityWarning(UserWarning):
    """Some treatment names matched no vocabulary rule and were kept as written."""
_COLUMNS = ("pattern", "kind", "modality", "note")


def modality_vocabulary() -> pd.DataFrame:
    """The default vocabulary: one rule per row, in the order they are tried.

    Returns
    -------
    DataFrame
        Columns ``pattern``, ``kind`` (``"word"`` or ``"regex"``), ``modality``, ``note``.

    Examples
    --------
    >>> vocab = modality_vocabulary()
    >>> vocab.loc[vocab["pattern"] == "flexeril", "modality"].item()
    'muscle_relaxant'
    """
    return _default_table().copy()


@lru_cache(maxsize=1)
def _default_table() -> pd.DataFrame:
    with resources.files("spasm_analysis.data").joinpath("modalities.csv").open("r", encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return table.loc[:, list(_COLUMNS)]


def known_modalities(*, vocabulary=None) -> tuple[str, ...]:
    """Every modality name the (extended) vocabulary can produce, sorted."""
    return tuple(sorted({modality for _, modality in _rules(_key(vocabulary))}))


def _as_table(vocabulary) -> pd.DataFrame:
    if isinstance(vocabulary, Mapping):
        return pd.DataFrame({"pattern": list(vocabulary), "kind": "word", "modality": list(vocabulary.values()), "note": ""})
    if isinstance(vocabulary, pd.DataFrame):
        missing = [c for c in ("pattern", "modality") if c not in vocabulary.columns]
        if missing:
            raise ValueError(f"a vocabulary DataFrame needs columns pattern, modality (and optionally kind, note); missing {missing}")
        table = vocabulary.copy()
        if "kind" not in table.columns:
            table["kind"] = "word"
        table["kind"] = table["kind"].fillna("word").replace("", "word")
        return table
    raise TypeError(f"vocabulary must be a DataFrame or a dict pattern -> modality, not {type(vocabulary).__name__}")


def _key(vocabulary):
    """A hashable form of a user vocabulary, so compiled rules can be cached."""
    if vocabulary is None:
        return None
    table = _as_table(vocabulary)
    return tuple(zip(table["pattern"].astype(str), table["kind"].astype(str), table["modality"].astype(str)))


@lru_cache(maxsize=32)
def _rules(key) -> tuple[tuple[re.Pattern, str], ...]:
    rows = list(key or ()) + list(zip(*(_default_table()[c] for c in ("pattern", "kind", "modality"))))
    rules = []
    for pattern, kind, modality in rows:
        if kind not in KINDS:
            raise ValueError(f"vocabulary kind={kind!r} (pattern {pattern!r}) is not valid; allowed values: {', '.join(map(repr, KINDS))}")
        if not pattern.strip() or not modality.strip():
            raise ValueError(f"vocabulary rule with empty pattern or modality: {pattern!r} -> {modality!r}")
        if kind == "word":
            words = r"[\s_-]+".join(re.escape(w) for w in pattern.lower().split())
            regex = rf"(?<![a-z0-9]){words}(?:e?s)?(?![a-z0-9])"
        else:
            regex = pattern
        try:
            rules.append((re.compile(regex, re.IGNORECASE), modality.strip()))
        except re.error as error:
            raise ValueError(f"vocabulary pattern {pattern!r} is not a valid regular expression: {error}") from None
    return tuple(rules)


def _match(name: str, rules) -> str | None:
    canonical = re.sub(r"[\s-]+", "_", name.strip().lower())
    if canonical in {modality for _, modality in rules}:
        return canonical
    for regex, modality in rules:
        if regex.search(name):
            return modality
    return None


def normalize_modality(name: str, *, vocabulary=None) -> str:
    """The modality a written treatment name belongs to.

    Parameters
    ----------
    name : str
        A treatment as written: ``"chiro"``, ``"PT"``, ``"Flexeril 10mg"``,
        ``"trigger point injection"``, ``"hot pack"``.
    vocabulary : DataFrame or dict, optional
        Extra rules (see :func:`modality_vocabulary` for the columns) tried
        before the defaults.

    Returns
    -------
    str
        A modality such as ``"chiropractic"``; an unknown name is returned as
        written (stripped), so nothing is lost.

    Examples
    --------
    >>> normalize_modality("Flexeril 10mg")
    'muscle_relaxant'
    >>> normalize_modality("trigger point injection"), normalize_modality("trigger point massage")
    ('injection', 'trigger_point_therapy')
    >>> normalize_modality("float tank", vocabulary={"float tank": "relaxation"})
    'relaxation'
    """
    if not isinstance(name, str):
        raise TypeError(f"a treatment name must be text, not {type(name).__name__}")
    if not name.strip():
        raise ValueError("a treatment name cannot be empty")
    found = _match(name, _rules(_key(vocabulary)))
    return found if found is not None else name.strip()


def unknown_modalities(names: Iterable[str], *, vocabulary=None) -> list[str]:
    """The distinct names (as written) that no vocabulary rule recognises, sorted.

    Examples
    --------
    >>> unknown_modalities(["chiro", "float tank", "Flexeril", "float tank"])
    ['float tank']
    """
    rules = _rules(_key(vocabulary))
    return sorted({n.strip() for n in names if isinstance(n, str) and n.strip() and _match(n, rules) is None})


def map_modalities(names: pd.Series, *, vocabulary=None, stacklevel: int = 2) -> pd.Series:
    """The modality of each written name (one lookup per distinct name).

    Names that match no rule are kept as written and listed in an
    :class:`UnknownModalityWarning`, so nothing unknown passes silently.
    """
    codes, distinct = pd.factorize(names)
    mapped = [normalize_modality(str(n), vocabulary=vocabulary) for n in distinct]
    unknown = unknown_modalities([str(n) for n in distinct], vocabulary=vocabulary)
    if unknown:
        warnings.warn(
            f"{len(unknown)} treatment name(s) matched no vocabulary rule and are kept as written as their "
            f"modality: {', '.join(map(repr, unknown))}. Pass vocabulary={{name: modality}} to map them "
            "(see sa.modality_vocabulary()).",
            UnknownModalityWarning,
            stacklevel=stacklevel + 1,
        )
    return pd.Series(pd.array(mapped + [None], dtype=object)[codes], index=names.index, dtype=object)
