"""The files of the admin's spreadsheet pages: CSV and XLSX, written safely and read within limits.

Writing goes through ``ceremony.cells`` (no cell runs as a formula; text comes back exactly). Reading
turns a file into rows, or refuses it with a message for the import page, never a traceback, and refuses
what would tie up a worker before parsing it: a file of more than ``MAX_IMPORT_BYTES`` (the import form
checks the upload's size), an XLSX whose parts declare more than ``MAX_XLSX_UNPACKED_BYTES`` once
unpacked (``zipfile`` never inflates a part past its declared size, so the declaration bounds the work),
and a sheet of more than ``MAX_IMPORT_ROWS`` rows, counted while streaming, before any row is imported.

A CSV file is read as UTF-8 (with or without a byte-order mark) and each of its cells unescaped
(``cells.unescape``); an XLSX workbook's first sheet is read with values, not formulas. In both, the first
row names the columns, empty rows are ignored, and a row longer than the header is refused.
"""

import csv
import io
import logging
import zipfile

import openpyxl
import tablib
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

from . import cells

logger = logging.getLogger(__name__)

#: Larger uploads are refused before they are read. A 5,000-item programme exports to about 1.2 MB of CSV.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
#: More rows than this are refused before any is imported: a preview and a confirm of 5,000 rows each take
#: a few seconds (bench/imports.py), far within a worker's timeout.
MAX_IMPORT_ROWS = 5_000
#: An XLSX file is a zip: what its parts may add up to once unpacked (a 5,000-row programme exports to 4.3 MB).
MAX_XLSX_UNPACKED_BYTES = 10 * 1024 * 1024
#: Rows read at most, empty ones included, and columns at most: no sheet of the planner comes near.
MAX_SCANNED_ROWS = 10 * MAX_IMPORT_ROWS
MAX_COLUMNS = 100


class SheetFileError(ValueError):
    """A file that cannot be imported; the message says why, for the import page."""


def limits_text():
    """The limits, as the import page states them."""
    return _(
        "Import at most %(rows)s rows, from a file of at most %(size)s "
        "(CSV in UTF-8, or an Excel workbook of at most %(unpacked)s once unpacked)."
    ) % {
        "rows": number_format(MAX_IMPORT_ROWS, force_grouping=True),
        "size": filesizeformat(MAX_IMPORT_BYTES),
        "unpacked": filesizeformat(MAX_XLSX_UNPACKED_BYTES),
    }


def _check_size(data):
    if len(data) > MAX_IMPORT_BYTES:
        raise SheetFileError(
            _("This file is %(size)s; import files of at most %(limit)s (split the sheet).")
            % {"size": filesizeformat(len(data)), "limit": filesizeformat(MAX_IMPORT_BYTES)}
        )
    if not data:
        raise SheetFileError(_("The file is empty."))


def _is_empty(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _header_and_rows(rows):
    """The first row that is not empty (it names the columns) and the rows under it that are not empty.

    Refuses more than MAX_IMPORT_ROWS rows as soon as one is too many, and more than MAX_SCANNED_ROWS rows
    with the empty ones: an XLSX sheet can claim a million empty rows in a few bytes.
    """
    header, kept = None, []
    for scanned, values in enumerate(rows, start=1):
        if scanned > MAX_SCANNED_ROWS:
            raise SheetFileError(
                _("This sheet reaches beyond row %(limit)s (empty rows count): delete the empty rows below the data.")
                % {"limit": number_format(MAX_SCANNED_ROWS, force_grouping=True)}
            )
        if all(_is_empty(value) for value in values):
            continue
        if header is None:
            header = values
        elif len(kept) == MAX_IMPORT_ROWS:
            raise SheetFileError(
                _("This sheet has more than %(limit)s rows; import at most %(limit)s at a time (split the sheet).")
                % {"limit": number_format(MAX_IMPORT_ROWS, force_grouping=True)}
            )
        else:
            kept.append(values)
    if header is None:
        raise SheetFileError(_("The sheet is empty."))
    return header, kept


def _dataset(header, rows):
    """The rows under their header as a tablib Dataset, each as long as the header.

    A cell under no column name is refused rather than dropped: its column was meant for something.
    """
    names = [("" if name is None else str(name)).strip() for name in header]
    while names and not names[-1]:
        names.pop()
    width = len(names)
    unnamed = [index for index, name in enumerate(names) if not name]
    dataset = tablib.Dataset(headers=names)
    for number, values in enumerate(rows, start=1):
        values = list(values)
        stray = [index for index in unnamed if not _is_empty(values[index])] if unnamed else []
        if stray or any(not _is_empty(value) for value in values[width:]):
            column = stray[0] if stray else width + next(i for i, v in enumerate(values[width:]) if not _is_empty(v))
            raise SheetFileError(
                _("Row %(row)d has a value in column %(column)d, which the first row does not name.")
                % {"row": number, "column": column + 1}
            )
        dataset.append(values[:width] + [None] * (width - len(values)))
    return dataset


def read_csv(data):
    """The rows of a CSV file (bytes), each cell unescaped; SheetFileError says why a file is refused."""
    _check_size(data)
    if data.startswith(b"PK\x03\x04"):
        raise SheetFileError(_("This is an Excel workbook or another zip file, not CSV: choose the format “xlsx”."))
    if b"\x00" in data:
        raise SheetFileError(
            _(
                "This file contains NUL bytes, so it is not CSV text in UTF-8 (a sheet saved as “Unicode text” "
                "is UTF-16): save it as “CSV UTF-8”."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetFileError(
            _(
                "This file is not text in UTF-8 (byte %(position)d is not): save the sheet as “CSV UTF-8”, "
                "or choose the format “xlsx” for an Excel workbook."
            )
            % {"position": error.start + 1}
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header, rows = _header_and_rows(reader)
    except csv.Error as error:
        raise SheetFileError(
            _("Line %(line)d cannot be read as CSV (%(problem)s).") % {"line": reader.line_num, "problem": error}
        ) from None
    # As for a workbook: a header of thousands of columns would only make every later check slow.
    if len(header) > MAX_COLUMNS:
        raise SheetFileError(_("This sheet has more than %(limit)d columns.") % {"limit": MAX_COLUMNS})
    return _dataset([cells.unescape(name) for name in header], [[cells.unescape(v) for v in row] for row in rows])


def read_xlsx(data):
    """The rows of the first sheet of an XLSX workbook (bytes); SheetFileError says why a file is refused."""
    _check_size(data)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise SheetFileError(
            _("This is not an Excel workbook (.xlsx): save the sheet as “Excel workbook”, or as “CSV UTF-8”.")
        ) from None
    with archive:
        parts = archive.infolist()
        unpacked = sum(part.file_size for part in parts)
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise SheetFileError(
                _("This workbook unpacks to %(size)s; import workbooks of at most %(limit)s unpacked (split it).")
                % {"size": filesizeformat(unpacked), "limit": filesizeformat(MAX_XLSX_UNPACKED_BYTES)}
            )
        if "xl/workbook.xml" not in {part.filename for part in parts}:
            raise SheetFileError(_("This zip file is not an Excel workbook (.xlsx)."))
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0] if book.worksheets else None
            if not hasattr(sheet, "reset_dimensions"):
                raise SheetFileError(_("The first sheet of this workbook holds no cells (a chart?)."))
            # Rows as long as their cells (not as the sheet's <dimension> claims), and no wider than
            # MAX_COLUMNS + 1: a cell in column XFD must not make every row 16,384 cells long.
            sheet.reset_dimensions()
            header, rows = _header_and_rows(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True))
        finally:
            book.close()
    except SheetFileError:
        raise
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file
        logger.info("An XLSX upload could not be read", exc_info=True)
        raise SheetFileError(
            _("This Excel workbook cannot be read; it may be damaged. Save it again, or as “CSV UTF-8”.")
        ) from None
    if len(header) > MAX_COLUMNS and not _is_empty(header[MAX_COLUMNS]):
        raise SheetFileError(_("This sheet has more than %(limit)d columns.") % {"limit": MAX_COLUMNS})

    def text(value):
        return cells.xlsx_unescape(value) if isinstance(value, str) else value

    return _dataset([text(name) for name in header], [[text(value) for value in row] for row in rows])


class CSVFormat(base_formats.CSV):
    """CSV for import-export: read as bytes (the decoding, and its message, are ours), written escaped."""

    native_types = False

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        return read_csv(in_stream)

    def export_data(self, dataset, **kwargs):
        return cells.write_csv(dataset.headers, dataset)


class XLSXFormat(base_formats.XLSX):
    """XLSX for import-export: numbers as numbers and text as text cells, read within the limits."""

    native_types = True

    def create_dataset(self, in_stream, **kwargs):
        return read_xlsx(in_stream)

    def export_data(self, dataset, **kwargs):
        return cells.write_xlsx(dataset.headers, dataset, title=dataset.title or "Sheet")
