"""The ``openbmd`` command: a thin Typer app, one module per command group.

Every command parses its arguments, calls one API function and renders a
table, JSON or a picture. Bad input ends as one line on stderr and exit 2.
"""

from __future__ import annotations

import sys

import typer

from openbmd.cli.resolve import OutputError
from openbmd.errors import InputError

app = typer.Typer(
    name="openbmd",
    help="Open, rerunnable analysis of cooperative ballistic-missile defence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)


def _register() -> None:
    # Imported here so each command module stays independent of the others.
    from openbmd.cli import assurance, catalog, engagement, exchange, exercise, exports, threat, tracking, \
        trajectory, verify, view

    app.add_typer(catalog.app, name="catalog")
    app.add_typer(exercise.app, name="exercise")
    trajectory.register(app)
    engagement.register(app)
    assurance.register(app)
    tracking.register(app)
    exchange.register(app)
    exports.register(app)
    view.register(app)
    threat.register(app)
    verify.register(app)


_register()


_EXTRAS = {"fastapi": "service", "uvicorn": "service", "httpx": "service", "cryptography": "service",
           "rfc8785": "service", "psycopg": "service", "dask": "distributed", "distributed": "distributed"}
"""Which optional extra (pyproject) brings a module."""

_COMMAND_EXTRAS = {"view": ("view", {"fastapi", "starlette", "uvicorn", "httpx", "cryptography", "rfc8785"})}
"""Commands whose own extra brings a module (``openbmd view`` needs ``[view]``, not all of ``[service]``)."""


def _extra_for(module: str, argv: list[str]) -> str | None:
    own = _COMMAND_EXTRAS.get(argv[0] if argv else "")
    if own is not None and module in own[1]:
        return own[0]
    return _EXTRAS.get(module)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the process exit status."""
    from openbmd.cli.exchange import hoist_group_options

    argv = hoist_group_options(list(sys.argv[1:] if argv is None else argv))
    try:
        result = app(args=argv, standalone_mode=False, prog_name="openbmd")
    except typer.Exit as exc:
        return exc.exit_code
    except SystemExit as exc:  # --show-completion and --install-completion exit on their own
        return exc.code if isinstance(exc.code, int) else 0
    except typer.Abort:
        print("openbmd: aborted", file=sys.stderr)
        return 1
    except typer.TyperException as exc:  # usage errors: unknown option, missing value...
        if type(exc).__name__ == "NoArgsIsHelpError":
            return 0
        print(f"openbmd: error: {exc.format_message()}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except InputError as exc:  # one line, whatever the message held
        print(f"openbmd: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1 if isinstance(exc, OutputError) else 2
    except ModuleNotFoundError as exc:  # an optional extra not installed
        extra = _extra_for((exc.name or "").split(".")[0], argv)
        if extra is None:
            raise
        print(f"openbmd: error: this needs {exc.name!r}: pip install 'openbmd[{extra}]'", file=sys.stderr)
        return 1
    except OSError as exc:  # an output that failed while being written (disk full, removed folder...)
        where = f" {exc.filename}" if exc.filename else ""
        print(f"openbmd: error: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("openbmd: interrupted", file=sys.stderr)
        return 130
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
