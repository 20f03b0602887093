"""``python -m pipeline`` and the ``formscan`` command: a worker started ahead where the command
reads pages (``pipeline.ahead``), then the command line."""

import sys


def main() -> int:
    from pipeline import ahead

    ahead.start_for(sys.argv[1:])
    from pipeline.cli import main as run

    return run()


if __name__ == "__main__":
    sys.exit(main())
