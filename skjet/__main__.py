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
    except (FileNotFoundError, ValueError, KeyError, ImportError, OSError) as exc:
        # Users get one clear line, not a traceback, for problems with their input.
        print(f"skjet {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
