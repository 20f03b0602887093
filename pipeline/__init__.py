"""formscan: scanned contest forms to structured records."""

__version__ = "0.6.0"
