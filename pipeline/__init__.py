"""formscan: scanned contest forms to structured records."""

__version__ = "0.7.0"
