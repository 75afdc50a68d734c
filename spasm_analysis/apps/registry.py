"""The one list of app exports that can be read: how each is recognised, read and called.

Adding an app is one :class:`AppFormat` entry here (and its reader module):
detection, :func:`~spasm_analysis.apps.read_app_export`, the messages and the
command line all take the list from :data:`REGISTRY`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

__all__ = ["AppFormat", "REGISTRY", "APPS", "LABELS", "SIGNATURES", "reader_of"]


@dataclass(frozen=True)
class AppFormat:
    """One app's export.

    ``sniff`` gets the lower-cased, stripped fields of a CSV row and says
    whether it is this app's header (None for apps not exported as CSV);
    ``reader`` names the reading function as ``"module:function"`` inside this
    package, imported only when used.
    """

    name: str
    label: str
    signature: str
    reader: str
    sniff: Callable[[set[str]], bool] | None = None


def _flaredown(fields: set[str]) -> bool:
    research = {"user_id", "checkin_date", "trackable_type"} <= fields
    return research or ("date" in fields and bool({"tags", "foods"} & fields))


#: Apps in the order their header tests are tried.
REGISTRY: dict[str, AppFormat] = {
    app.name: app
    for app in (
        AppFormat(
            "bearable", "Bearable", "CSV with columns category, rating/amount, detail",
            "bearable:read_bearable", lambda f: {"category", "rating/amount", "detail"} <= f,
        ),
        AppFormat(
            "migraine_buddy", "Migraine Buddy",
            "CSV (after an optional preamble) with columns Started and Lasted or Pain Level",
            "migraine_buddy:read_migraine_buddy", lambda f: "started" in f and bool({"lasted", "pain level"} & f),
        ),
        AppFormat(
            "flaredown", "Flaredown",
            "CSV with columns user_id, checkin_date, trackable_type (research dump) or Date with Tags/Foods",
            "flaredown:read_flaredown", _flaredown,
        ),
        AppFormat(
            "daylio", "Daylio", "CSV with columns full_date (or year, date), mood, activities",
            "daylio:read_daylio", lambda f: {"mood", "activities"} <= f and ("full_date" in f or {"year", "date"} <= f),
        ),
        AppFormat(
            "apple_health", "Apple Health",
            "export.xml (any localized name) with a <HealthData> root, the export zip or its unzipped folder",
            "apple_health:read_apple_health",
        ),
    )
}

APPS = tuple(REGISTRY)
LABELS = {name: app.label for name, app in REGISTRY.items()}
SIGNATURES = {name: app.signature for name, app in REGISTRY.items()}


def reader_of(name: str):
    """The reading function of app ``name`` (imported on first use: Apple Health's pulls in defusedxml)."""
    module, function = REGISTRY[name].reader.split(":")
    return getattr(importlib.import_module(f".{module}", __package__), function)
