"""The root Typer app, its global options, and the one place errors become exit codes."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from clientnest_cli.cli import help_format
from clientnest_cli.domain.text import strip_controls
from clientnest_cli.errors import EXIT_FAILED, ClientNestError
from clientnest_cli.services.context import AppContext

help_format.install()


class Root(TyperGroup):
    """Turns any ClientNestError into one line on stderr and its exit code.

    Expected failures never show a traceback unless --debug; an unexpected one
    shows a single line and asks for --debug.
    """

    # --- subcommands loaded on first use (cli/lazy.py) -----------------------
    def list_commands(self, ctx: Any) -> list[str]:
        from clientnest_cli.cli.lazy import LAZY

        return [*super().list_commands(ctx), *LAZY]

    def get_command(self, ctx: Any, name: str) -> Any:
        from clientnest_cli.cli.lazy import LAZY, load

        command = super().get_command(ctx, name)
        if command is None and name in LAZY:
            command = load(name)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List commands without importing the lazy ones (their help is in the table)."""
        from clientnest_cli.cli.lazy import LAZY

        rows = []
        for name in super().list_commands(ctx):
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 20)))
        rows += [(name, help_text) for name, (_target, help_text) in LAZY.items()]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except ClientNestError as exc:
            if _debug(ctx):
                traceback.print_exc()
            typer.echo(f"Error: {exc.one_line()}", err=True)
            for violation in getattr(exc, "violations", None) or []:
                typer.echo(f"  {strip_controls(str(violation))}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(EXIT_FAILED) from None
        except Exception as exc:
            if _debug(ctx):
                traceback.print_exc()
            typer.echo(
                f"Error: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                " — rerun with --debug for the traceback",
                err=True,
            )
            raise typer.Exit(EXIT_FAILED) from None
        finally:
            obj = ctx.obj
            if isinstance(obj, CliState):
                obj.app.close()


def _quiet_stdout() -> None:
    """The reader went away (`clientnest post list | head`): stop quietly.

    stdout is pointed at /dev/null so the interpreter's final flush cannot
    raise BrokenPipeError a second time.
    """
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests)
        pass
    finally:
        os.close(devnull)


class CliState:
    def __init__(self, app: AppContext, debug: bool) -> None:
        self.app = app
        self.debug = debug


def _debug(ctx: Any) -> bool:
    return isinstance(ctx.obj, CliState) and ctx.obj.debug


app = typer.Typer(
    cls=Root,
    name="clientnest",
    help="ClientNest: draft, schedule and publish to many social accounts from your terminal.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from clientnest_cli import __version__

        typer.echo(f"clientnest {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", help="Read this config.toml instead of the default one."
    ),
    acting: str | None = typer.Option(
        None, "--as", metavar="EMAIL", help="Act as this user (default: config's `user`)."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    ctx.obj = CliState(AppContext(config, acting), debug)


def state(ctx: typer.Context) -> AppContext:
    """The AppContext of this invocation (from any subcommand)."""
    root = ctx.find_root()
    obj = root.obj
    if not isinstance(obj, CliState):  # pragma: no cover - only when misused
        raise RuntimeError("CLI state missing")
    return obj.app


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def read_secret(what: str) -> str:
    """Secrets come from a hidden prompt or stdin, never from argv (shell history)."""
    if stdin_is_terminal():
        return typer.prompt(what, hide_input=True)
    return sys.stdin.readline().strip()
