"""Badges as a PDF (ReportLab): A6 each, alone on an A6 page, two on A5 or four on A4 with cut marks.

The text is set in DejaVu Sans, vendored in static/delegations/fonts with its licence: ReportLab's own fonts have no
Vietnamese letters (Bùi Thanh Sơn, Nguyễn Minh Vũ), and a fresh machine needs no system font.
"""

import io
import unicodedata
from pathlib import Path

import segno
from django.utils.translation import gettext_lazy as _
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4, A5, A6, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .badges import category, grouped, role

FONTS = Path(__file__).resolve().parent / "static" / "delegations" / "fonts"
REGULAR, BOLD = "PlannerSans", "PlannerSans-Bold"
pdfmetrics.registerFont(TTFont(REGULAR, FONTS / "DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont(BOLD, FONTS / "DejaVuSans-Bold.ttf"))

BADGE_WIDTH, BADGE_HEIGHT = A6
# layout -> (page size, columns, rows, its name in the form)
LAYOUTS = {
    "a6": (A6, 1, 1, _("A6: one badge per page")),
    "a5": (landscape(A5), 2, 1, _("A5: two badges per page, with cut marks")),
    "a4": (A4, 2, 2, _("A4: four badges per page, with cut marks")),
}
DEFAULT_LAYOUT = "a4"
MARGIN = 7 * mm  # inside each badge: printers leave the outer few millimetres blank
BAND = 20 * mm
QR_SIZE = 42 * mm
MARK = 5 * mm  # cut marks: ticks this long, this far in from the page's edge


def layout_choices():
    return [(key, label) for key, (_size, _cols, _rows, label) in LAYOUTS.items()]


def badges_pdf(badges, *, ceremony_name, layout=DEFAULT_LAYOUT):
    """The PDF of ``badges`` (each with its delegate and delegation loaded) in ``layout``, as bytes."""
    size, columns, rows = LAYOUTS[layout][:3]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, pageCompression=1, invariant=1)
    canvas.setTitle(str(_("Badges")))
    canvas.setCreator(str(ceremony_name))
    per_page = columns * rows
    for start in range(0, max(len(badges), 1), per_page):
        for index, badge in enumerate(badges[start : start + per_page]):
            column, row = index % columns, index // columns
            x, y = column * BADGE_WIDTH, size[1] - (row + 1) * BADGE_HEIGHT
            _badge(canvas, badge, x, y, ceremony_name)
        if per_page > 1:
            _cut_marks(canvas, size, columns, rows)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _text(value):
    return unicodedata.normalize("NFC", str(value))


def _fit(text, font, size, width, *, smallest, lines):
    """The largest size from ``size`` down to ``smallest`` at which ``text`` wraps into at most ``lines`` lines."""
    while True:
        wrapped = simpleSplit(text, font, size, width)
        if len(wrapped) <= lines or size <= smallest:
            return wrapped[:lines], size
        size -= 1


def _badge(canvas, badge, x, y, ceremony_name):
    delegate = badge.delegate
    kind = category(delegate)
    colour = HexColor(kind.colour)
    width = BADGE_WIDTH - 2 * MARGIN
    centre = x + BADGE_WIDTH / 2
    top = y + BADGE_HEIGHT - MARGIN

    # The band: the category's colour and its word, and the ceremony.
    canvas.setFillColor(colour)
    canvas.rect(x + MARGIN, top - BAND, width, BAND, stroke=0, fill=1)
    canvas.setFillColor(white)
    heading, heading_size = _fit(_text(ceremony_name), REGULAR, 7, width - 4 * mm, smallest=5, lines=2)
    for n, line in enumerate(heading):
        canvas.setFont(REGULAR, heading_size)
        canvas.drawCentredString(centre, top - 5 * mm - n * (heading_size + 1), line)
    word, word_size = _fit(_text(kind.label).upper(), BOLD, 12, width - 4 * mm, smallest=7, lines=1)
    canvas.setFont(BOLD, word_size)
    canvas.drawCentredString(centre, top - BAND + 4 * mm, word[0])

    # Who: the name, the delegation, the role.
    canvas.setFillColorRGB(0, 0, 0)
    cursor = top - BAND - 10 * mm
    name, name_size = _fit(_text(delegate.name), BOLD, 19, width, smallest=11, lines=3)
    canvas.setFont(BOLD, name_size)
    for line in name:
        canvas.drawCentredString(centre, cursor, line)
        cursor -= name_size * 1.2
    cursor -= 2 * mm
    delegation, delegation_size = _fit(_text(delegate.delegation.name), REGULAR, 13, width, smallest=8, lines=2)
    canvas.setFont(REGULAR, delegation_size)
    for line in delegation:
        canvas.drawCentredString(centre, cursor, line)
        cursor -= delegation_size * 1.2
    cursor -= 1 * mm
    duty, duty_size = _fit(_text(role(delegate)), REGULAR, 10, width, smallest=7, lines=2)
    canvas.setFont(REGULAR, duty_size)
    canvas.setFillColorRGB(0.25, 0.25, 0.25)
    for line in duty:
        canvas.drawCentredString(centre, cursor, line)
        cursor -= duty_size * 1.2

    # The QR code (the id alone) and the id beneath it, to type when the camera fails.
    bottom = y + MARGIN
    canvas.setFillColor(colour)
    canvas.rect(x + MARGIN, bottom, width, 7 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(BOLD, min(word_size, 9))
    canvas.drawCentredString(centre, bottom + 2.3 * mm, word[0])  # the category again, for a badge seen upside down
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(BOLD, 12)
    canvas.drawCentredString(centre, bottom + 10 * mm, grouped(badge.code))
    _qr(canvas, badge.code, centre - QR_SIZE / 2, bottom + 15 * mm, QR_SIZE)


def _qr(canvas, data, x, y, size):
    code = segno.make(data, error="m", micro=False)  # phones read QR codes, seldom Micro QR
    matrix = [list(row) for row in code.matrix_iter(scale=1, border=2)]
    module = size / len(matrix)
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(x + c * module, y + size - (r + 1) * module, module, module, stroke=0, fill=1)


def _cut_marks(canvas, size, columns, rows):
    """Ticks at the page's edges where the cuts between badges run."""
    width, height = size
    canvas.setLineWidth(0.5)
    canvas.setStrokeColorRGB(0, 0, 0)
    for column in range(1, columns):
        cut = column * BADGE_WIDTH
        canvas.line(cut, height - MARK, cut, height - 2 * MARK)
        canvas.line(cut, MARK, cut, 2 * MARK)
    for row in range(1, rows):
        cut = height - row * BADGE_HEIGHT
        canvas.line(MARK, cut, 2 * MARK, cut)
        canvas.line(width - MARK, cut, width - 2 * MARK, cut)
