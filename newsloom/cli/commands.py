"""Imports every command module so that each registers its commands; gives the commands that open a
database ``--db``, ``--config`` and ``-s`` after the command name too."""
import click

from . import articles, copies, demo, entities, eval, export, ingest, load, quotes, run, serve, settings, stories, watch  # noqa: F401
from .main import cli, global_options
from . import compare, timelines  # noqa: E402,F401  (timeline, summary, compare, sources)

#: commands that open no database and read no settings
_NO_STORE = {"eval", "bench"}


def _leaves(group: click.Group):
    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _leaves(cmd)
        elif name not in _NO_STORE:
            yield cmd


for _cmd in _leaves(cli):
    global_options(_cmd)
