"""Cell safety: every CSV and XLSX file the planner writes is written here, so none runs a formula.

A spreadsheet program opening a CSV file runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula, and delegations type some of the text that the planner exports. So, as
OWASP recommends ("CSV Injection"), ``write_csv`` prefixes such text with a single quote ``'``. The
prefix is reversible, and every CSV cell read is ``unescape``-d, so a sheet exported, edited and imported
again gives back exactly the text it had: ``escape`` adds one quote to a text whose leading quotes, if
any, are followed by a trigger, and ``unescape`` removes one from exactly those texts. ``=1+1`` is
written ``'=1+1``, ``-5`` ``'-5`` and ``'=x`` ``''=x``; ``'abc`` and ``''`` stay as they are. The same
holds after each "," or ";" inside a text, where a program set to that separator starts a cell:
``Nguyen;=cmd`` is written ``Nguyen;'=cmd``. The pair is a bijection between all texts and the texts in
which no piece starts with a trigger.

``write_xlsx`` writes text as text cells (type "s"), never as formulas, so XLSX needs no prefix and its
text is written and read as it is, with two exceptions XML imposes: the control characters XML 1.0
cannot hold at all (``openpyxl``'s ``ILLEGAL_CHARACTERS_RE``: C0 controls other than tab, newline and
carriage return) become U+FFFD, so an export never fails on text stored before such characters were
refused; and a carriage return, which XML readers turn into a newline, is written as Office's escape
``_x000D_`` (a literal ``_xHHHH_`` in the text is escaped as ``_x005F_xHHHH_``), which Excel reads as a
carriage return, as ``xlsx_unescape`` does on import.

Only text is escaped: numbers stay numbers.
"""

import csv
import datetime as dt
import decimal
import io
import re

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

#: What makes a spreadsheet program read a CSV cell as a formula (OWASP).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Office's escape of a character in XML text: _xHHHH_ (ECMA-376 part 1, 22.9.2.19 ST_Xstring).
_OFFICE_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


# A spreadsheet program set to another separator than the file's (Vietnamese regional settings take ";", since
# the decimal mark is a comma) starts a new cell after any "," or ";" inside a text, quoted or not: each piece
# of a text between them is escaped as a whole text is. The separators stay, so each piece is undone alone.
_PIECES = re.compile(r"([,;])")


def _escape_piece(piece):
    return "'" + piece if piece.lstrip("'").startswith(TRIGGERS) else piece


def _unescape_piece(piece):
    return piece[1:] if piece.startswith("'") and piece.lstrip("'").startswith(TRIGGERS) else piece


def escape(text):
    """The text as a CSV cell that no spreadsheet program runs: one ``'`` before a (quoted) trigger at its start
    and after each "," or ";" in it."""
    return "".join(_escape_piece(p) if i % 2 == 0 else p for i, p in enumerate(_PIECES.split(text)))


def unescape(text):
    """The text ``escape`` was given: one ``'`` fewer wherever quotes lead to a trigger after a start."""
    return "".join(_unescape_piece(p) if i % 2 == 0 else p for i, p in enumerate(_PIECES.split(text)))


def _is_number(value):
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def _csv_cell(value):
    if value is None:
        return ""
    if _is_number(value):
        return value
    return escape(str(value))


def write_csv(header, rows):
    """A CSV document (text) of ``header`` and ``rows``, every text cell escaped; quoted as needed, so
    newlines and control characters in text stay as they are."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_csv_cell(value) for value in header])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def xlsx_text(text):
    """Text as an XLSX cell holds it (see the module's docstring): _xHHHH_ escaped, CR as _x000D_, and
    the characters XML cannot hold replaced by U+FFFD, since an export must never fail on stored text."""
    text = _OFFICE_ESCAPE.sub(r"_x005F_x\1_", text)
    text = ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", text)
    return text.replace("\r", "_x000D_")


def xlsx_unescape(text):
    """The text of an XLSX text cell as Excel means it: Office's _xHHHH_ escapes undone."""
    return _OFFICE_ESCAPE.sub(lambda match: chr(int(match[1], 16)), text) if "_x" in text else text


def _xlsx_cell(sheet, value, font=None):
    if value is None or _is_number(value) or isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=value)
    else:
        if isinstance(value, dt.date | dt.time):
            value = value.isoformat()
        cell = WriteOnlyCell(sheet, value=xlsx_text(str(value)))
        cell.data_type = "s"  # openpyxl would make a text starting with "=" a formula
    if font is not None:
        cell.font = font
    return cell


def write_xlsx(header, rows, title="Sheet"):
    """An XLSX workbook (bytes) of one sheet: a bold header, frozen, and every text cell a text cell."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, value, bold) for value in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
