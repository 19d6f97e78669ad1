"""`assess config show`: which configuration file is in use, and what each setting comes to."""

from __future__ import annotations

import typer

from engine.cli.main import app

config_app = typer.Typer(add_completion=False, no_args_is_help=True,
                         help="The configuration file: assess.toml, or the tool.assess table of pyproject.toml.")
app.add_typer(config_app, name="config")


@config_app.command("show", help="Show the configuration file in use (found from the working directory up, or "
                                 "--config FILE) and the default each setting gives the options.")
def config_show(ctx: typer.Context) -> None:
    from engine.cli.settings import Config, config_text

    config = ctx.find_root().obj
    typer.echo(config_text(config if isinstance(config, Config) else Config(how="not read")), nl=False)
