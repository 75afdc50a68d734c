"""Checks of keyword options shared by the nonparametric estimators."""

from __future__ import annotations

__all__ = ["check_choice", "check_level"]


def check_choice(name: str, value, allowed) -> None:
    """Raise a ValueError naming ``name`` and the allowed values unless ``value`` is one."""
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not supported; use one of {', '.join(map(repr, allowed))}")


def check_level(confidence_level) -> float:
    """A confidence level strictly between 0 and 1, as a float."""
    level = float(confidence_level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence_level must be strictly between 0 and 1, got {confidence_level!r}")
    return level
