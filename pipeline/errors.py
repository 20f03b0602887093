"""User-facing failures carry an exit code and a message that says what to do next."""

from __future__ import annotations


class ExitCode:
    """Process exit statuses of the ``formscan`` command (documented in the README)."""

    OK = 0
    INPUT_FAILURES = 3  # some inputs failed; the rest was processed and written
    USAGE = 2  # bad command line (argparse's own code)
    CONFIG = 4  # a schema, model file or the output folder is unusable
    OUTPUT = 5  # an output file cannot be written (open in another program, disk full)
    INTERRUPTED = 130


class FormscanError(Exception):
    exit_code = ExitCode.CONFIG


class SchemaError(FormscanError):
    """A form schema file is invalid."""


class ModelError(FormscanError):
    """An OCR model file is missing, altered, or its engine is not installed."""


class OutputError(FormscanError):
    """The batch folder or one of its files cannot be written."""

    exit_code = ExitCode.OUTPUT


class BatchBusy(FormscanError):
    """Another formscan process holds the batch folder."""


class InputError(Exception):
    """One input file or page cannot be read; recorded in the manifest, never fatal."""


class NotAScan(InputError):
    """A file in the input that is not a scan at all (skipped, not failed)."""
