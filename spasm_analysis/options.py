"""Checks of keyword options, declared once for every public function.

One message format everywhere: the option's name, the value given and the
allowed values (or range).
"""

from __future__ import annotations

import numbers

__all__ = ["check_option", "check_confidence_level"]


def check_option(name: str, value, allowed) -> None:
    """Raise a ValueError naming ``name``, ``value`` and the allowed values unless ``value`` is one.

    >>> check_option("ties", "exact", ("efron", "breslow"))
    Traceback (most recent call last):
    ...
    ValueError: ties='exact' is not valid; allowed values: 'efron', 'breslow'
    """
    try:
        ok = value in allowed
    except TypeError:  # an unhashable value against a set
        ok = False
    if not ok:
        listed = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name}={value!r} is not valid; allowed values: {listed}")


def check_confidence_level(confidence_level, name: str = "confidence_level") -> float:
    """A confidence level strictly between 0 and 1, as a float.

    >>> check_confidence_level(0.9)
    0.9
    """
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, numbers.Real) \
            or not 0.0 < float(confidence_level) < 1.0:
        raise ValueError(f"{name}={confidence_level!r} is not valid; allowed values: "
                         "a number strictly between 0 and 1, e.g. 0.95")
    return float(confidence_level)
