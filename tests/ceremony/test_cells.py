"""Cell safety: the escape of formula-like text is exact both ways, XLSX cells are text, and only
``ceremony.cells`` writes CSV or XLSX."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest

from ceremony import cells

TRICKY = ["=1+1", "'=x", "''", "'", "'abc", "-5", "+84 912 345 678", "\tx", "", "@", "\r\n", "''=x", "'''", "a=b"]
TRICKY += ["Nguyen;=cmd", "a,+b", "a,'=b", ",", ";=", "x,,=y", "'=a;'=b", "a, =b", "=a;-b,@c"]
ESCAPED = {
    "=1+1": "'=1+1",
    "'=x": "''=x",
    "''": "''",
    "'": "'",
    "'abc": "'abc",
    "-5": "'-5",
    "+84 912 345 678": "'+84 912 345 678",
    "\tx": "'\tx",
    "": "",
    "Nguyen;=cmd|' /C calc'!A0": "Nguyen;'=cmd|' /C calc'!A0",
    "a,+b;-c": "a,'+b;'-c",
    "a, =b": "a, =b",
}


@pytest.mark.parametrize(("text", "escaped"), ESCAPED.items())
def test_escape_prefixes_a_quote_exactly_before_quoted_triggers(text, escaped):
    assert cells.escape(text) == escaped
    assert cells.unescape(escaped) == text


def test_escape_and_unescape_are_a_bijection():
    escaped = [cells.escape(text) for text in TRICKY]

    assert [cells.unescape(text) for text in escaped] == TRICKY  # unescape undoes escape
    assert len(set(escaped)) == len(TRICKY)  # no two texts share an escape
    pieces = [piece for text in escaped for piece in re.split("[,;]", text)]
    assert not any(piece.startswith(cells.TRIGGERS) for piece in pieces)  # none runs, whatever the separator
    # Every text with no piece starting with a trigger is some text's escape: unescaping, then escaping, gives
    # it back.
    untriggered = [
        text for text in TRICKY + escaped if not any(p.startswith(cells.TRIGGERS) for p in re.split("[,;]", text))
    ]
    assert [cells.escape(cells.unescape(text)) for text in untriggered] == untriggered


def test_write_csv_escapes_text_and_leaves_numbers():
    document = cells.write_csv(["name", "count"], [["=cmd", -5], [None, 2.5], ["'=x", "-5"]])

    assert list(csv.reader(io.StringIO(document, newline=""))) == [
        ["name", "count"],
        ["'=cmd", "-5"],
        ["", "2.5"],
        ["''=x", "'-5"],
    ]


def test_write_xlsx_writes_text_as_text_and_numbers_as_numbers():
    book = openpyxl.load_workbook(io.BytesIO(cells.write_xlsx(["a", "b"], [["=1+1", -5], ["@SUM(1)", 2.5]])))

    assert [[(cell.value, cell.data_type) for cell in row] for row in book.active.iter_rows()] == [
        [("a", "s"), ("b", "s")],
        [("=1+1", "s"), (-5, "n")],
        [("@SUM(1)", "s"), (2.5, "n")],
    ]


def test_xlsx_text_keeps_what_xml_can_hold_and_replaces_the_rest():
    assert cells.xlsx_text("a\x00b\x0bc\td\ne\rf\x7f") == "a\ufffdb\ufffdc\td\ne_x000D_f\x7f"
    assert cells.xlsx_unescape(cells.xlsx_text("line\r\nnext _x000D_ _x005f_")) == "line\r\nnext _x000D_ _x005f_"


# Anything that writes a CSV or XLSX document, directly or through a library that would.
WRITERS = re.compile(
    r"csv\.writer|csv\.DictWriter|from csv import|openpyxl\.Workbook|from openpyxl import .*Workbook|"
    r"xlsxwriter|\.export\(\s*[\"'](csv|xlsx)|export_set\("
)


def test_only_the_cells_module_writes_csv_or_xlsx():
    root = Path(__file__).resolve().parents[2]
    writers = sorted(
        str(path.relative_to(root))
        for package in ("ceremony", "delegations")
        for path in (root / package).rglob("*.py")
        if WRITERS.search(path.read_text(encoding="utf-8"))
    )

    assert writers == ["ceremony/cells.py"]
