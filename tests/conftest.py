"""Shared fixtures and settings for the test suite."""

import os

import matplotlib

matplotlib.use("Agg")

from hypothesis import settings

# Property tests must not fail a clean checkout by chance: by default every run
# draws the same examples (derandomize), and the cases that matter are pinned
# with @example in the tests themselves.  HYPOTHESIS_PROFILE=explore draws
# fresh random examples to look for new failures (then pin what it finds).
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("dev", max_examples=30, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=200, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
