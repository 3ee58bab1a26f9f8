"""What the CLI prints to a terminal: data as inert text, and one clear line for an error.

Every string that comes from data or a model (a question, a title, an abstract, an answer, a file name in
an error) reaches the terminal through :func:`term_text`, the one escaping rule for this medium: rich
markup in it is shown as typed, never parsed, and control sequences (ANSI/OSC escapes that clear the
screen, retitle the window or plant hyperlinks; BEL, backspace, carriage return) are removed.
"""

from __future__ import annotations

import re

import typer
from rich.console import Console
from rich.text import Text

from hepgraph.errors import HepGraphError

# ESC-led sequences: CSI (ESC [ ... final), OSC and the other string commands (ESC ] P X ^ _ ... BEL or
# ESC \, or unterminated to the end), and two-character escapes; then any C0/C1 control but tab and
# newline, and DEL. The 8-bit C1 forms (U+009B CSI, U+009D OSC) are covered by the last class.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def strip_controls(value: str) -> str:
    r"""``value`` without terminal control sequences or control characters (tab and newline stay).

    >>> strip_controls("jet \x1b[2J\x1b]0;pwned\x07tagging\r")
    'jet tagging'
    """
    return _CONTROL.sub("", value)


def term_text(value: object, style: str = "") -> Text:
    """Data for the terminal: control sequences removed and markup inert (a rich ``Text``, never parsed).

    >>> term_text("[/x] jet tagging").plain
    '[/x] jet tagging'
    """
    return Text(strip_controls(str(value)), style=style)


def fail(err: HepGraphError) -> typer.Exit:
    """Print a HepGraphError as one clear line on stderr and return the exit (code 2) to raise."""
    line = Text("error: ", style="bold red") + term_text(err)
    Console(stderr=True).print(line, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)
