"""The ``skjet`` command (also ``python -m skjet``)."""

from __future__ import annotations

import sys

from ._cli import build_parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if getattr(args, "debug", False):
            raise
        # Users get one clear line, not a traceback, for every error; --debug shows it.
        print(f"skjet {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1


# The exceptions skjet raises for bad input carry messages that stand on their own; any other
# type is named, since its message may not.
_INPUT_ERRORS = (FileNotFoundError, ValueError, KeyError, ImportError, OSError, TypeError)


def _one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line; its type when it is not an input error."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if isinstance(exc, KeyError) and len(exc.args) == 1 and isinstance(exc.args[0], str):
        text = exc.args[0]  # str(KeyError) adds quotes
    if not isinstance(exc, _INPUT_ERRORS):
        text = f"{type(exc).__name__}: {text} (rerun with --debug for the traceback)"
    return text or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
