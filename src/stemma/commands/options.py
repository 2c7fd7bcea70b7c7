"""How settings become command-line options, shared by every subcommand."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence

from stemma.settings import SETTINGS

KEYS_OPTIONS = ("data_dir", "db")


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Help text wrapped between words only: a quota name like trials_per_experiment is never
    cut in two on a narrow terminal."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = " ".join(text.split())
        return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def add_settings(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    for setting in SETTINGS:
        if setting.name not in names:
            continue
        help_text = f"{setting.help} [env {setting.env}"
        help_text += f"; default {setting.default_text}]" if setting.default_text else "]"
        if setting.is_switch:
            parser.add_argument(
                setting.flag, dest=setting.name, action="store_true", default=None, help=help_text
            )
        else:
            parser.add_argument(
                setting.flag,
                dest=setting.name,
                metavar=setting.metavar,
                action="append" if setting.repeatable else "store",
                default=None,
                help=help_text,
            )
