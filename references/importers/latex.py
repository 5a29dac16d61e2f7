"""LaTeX in BibTeX fields as plain Unicode, by pylatexenc, with what it could not convert.

pylatexenc knows the accents, the letters of every Latin script (`{\\dh}` -> ð, `{\\TH}` -> Þ),
math symbols (`$\\alpha$` -> α) and the text commands of LaTeX's own fonts
(`\\textquotesingle`). Two things are added here: the textgreek package's commands
(`{\\textbeta}` -> β), which publishers' BibTeX uses for Greek in titles, and sub- and
superscript marks, which are dropped inside math (`$\\Sigma^{0}$` -> Σ0) so that a title reads
as PubMed writes it. A command pylatexenc does not know is kept as written, with its braced
arguments, and reported: it is never dropped.
"""

import re
import unicodedata
from dataclasses import dataclass

from pylatexenc import latexwalker
from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    get_default_latex_context_db,
)

from references.importers import records

# The textgreek package: \textalpha … \textomega and \textAlpha … \textOmega.
_GREEK = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
)


def _textgreek_specs() -> list[MacroTextSpec]:
    specs = []
    for name in _GREEK:
        unicode_name = "LAMDA" if name == "lambda" else name.upper()
        small = unicodedata.lookup(f"GREEK SMALL LETTER {unicode_name}")
        capital = unicodedata.lookup(f"GREEK CAPITAL LETTER {unicode_name}")
        specs += [
            MacroTextSpec(f"text{name}", small),
            MacroTextSpec(f"text{name.title()}", capital),
        ]
    specs += [
        MacroTextSpec("textvarsigma", "\N{GREEK SMALL LETTER FINAL SIGMA}"),
        MacroTextSpec("textfinalsigma", "\N{GREEK SMALL LETTER FINAL SIGMA}"),
        MacroTextSpec("textmugreek", "\N{GREEK SMALL LETTER MU}"),
    ]
    return specs


# Text commands that pylatexenc 2.10's defaults drop: symbols BibTeX exporters write for
# characters that are special in LaTeX, and commands that only format their argument.
_TEXT_SYMBOLS = {
    "textless": "<",
    "textgreater": ">",
    "textbar": "|",
    "textquotedbl": '"',
    "textunderscore": "_",
    "textminus": "\N{MINUS SIGN}",
}
_KEEP_ARGUMENT = (
    "textsuperscript",
    "textsubscript",
    "textsf",
    "texttt",
    "textnormal",
    "mbox",
    "ensuremath",
    "NoCaseChange",
)


def _context():
    context = get_default_latex_context_db()  # a new database on every call: ours to extend
    context.add_context_category(
        "vetted",
        macros=[
            *_textgreek_specs(),
            *(MacroTextSpec(name, text) for name, text in _TEXT_SYMBOLS.items()),
            *(MacroTextSpec(name, discard=False) for name in _KEEP_ARGUMENT),
        ],
    )
    return context


_CONTEXT = _context()


@dataclass(frozen=True)
class Converted:
    """Field text as Unicode, and each LaTeX command in it that was kept as written."""

    text: str
    unconverted: tuple[str, ...] = ()


class _Converter(LatexNodes2Text):
    """pylatexenc's converter, keeping unknown commands (and their braced arguments) as written
    and listing them, and dropping ^ and _ inside math."""

    def __init__(self):
        super().__init__(latex_context=_CONTEXT, math_mode="text")
        self.unconverted: list[str] = []
        self._after_unknown = False

    def node_to_text(self, node, prev_node_hint=None, textcol=0):
        after_unknown, self._after_unknown = self._after_unknown, False
        if after_unknown and node is not None and node.isNodeType(latexwalker.LatexGroupNode):
            self._after_unknown = True  # \unknown{a}{b}: every argument stays as written
            return node.latex_verbatim()
        return super().node_to_text(node, prev_node_hint, textcol)

    def macro_node_to_text(self, node):
        if self.latex_context.get_macro_spec(node.macroname) is None:
            self.unconverted.append(f"\\{node.macroname}")
            self._after_unknown = True
            return node.latex_verbatim()
        return super().macro_node_to_text(node)

    def math_node_to_text(self, node):
        return re.sub(r"[_^]", "", super().math_node_to_text(node))


def latex_to_unicode(value: str) -> Converted:
    """BibTeX field text as one line of Unicode (NFC), and the commands it could not convert.

    Accents, symbols, Greek and math become characters; braces and formatting commands go;
    `--` is an en dash, `---` an em dash, `~` a space. A command without a Unicode equivalent
    is kept as written (`\\foo{x}`) and named in `unconverted`, once each in order. LaTeX that
    pylatexenc cannot parse (an unbalanced `$`) is kept as written and reported the same way.
    Never raises.
    """
    converter = _Converter()
    try:
        text = converter.latex_to_text(value)
    except latexwalker.LatexWalkerError:
        return Converted(records.clean_text(value), (records.clean_text(value),))
    text = unicodedata.normalize("NFC", records.clean_text(text))
    return Converted(text, tuple(dict.fromkeys(converter.unconverted)))
