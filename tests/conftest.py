"""Shared fixtures and settings for the test suite."""

import os

import matplotlib

matplotlib.use("Agg")

from hypothesis import settings

# derandomized: a test run is reproducible, and a failure is one a rerun shows again
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=30, deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
