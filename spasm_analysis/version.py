"""The package version, in one place (the package, the CLI and the report footer read it)."""

__version__ = "0.1.0"
