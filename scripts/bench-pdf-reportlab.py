#!/usr/bin/env python3
"""The invoice `billfold-bench pdf` renders, laid out with ReportLab and rendered N times in one process.

Reads the invoice as `GET /api/v1/invoices/{id}` answers it (`billfold-bench pdf --json FILE` saves it) and draws
the same content in the same places as Billfold's layout: supplier, title and dates, recipient, place of supply,
the lines, tax by head and rate, totals, amount in words, payments, signature and footer. It draws with ReportLab's
canvas, its fastest interface, with page compression on and the TrueType font subset and embedded as Billfold does.
Prints PDFs per second on one core.

Usage: bench-pdf-reportlab.py --invoice invoice.json [--count 2000] [--fonts dejavu|helvetica] [--write out.pdf]
"""

import argparse
import io
import json
import sys
import time

from reportlab import Version as reportlab_version
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

PAGE_WIDTH = 595.28
PAGE_HEIGHT = 841.89
LEFT = 40.0
RIGHT = PAGE_WIDTH - 40
BLACK = (0.1, 0.1, 0.12)
MUTED = (0.4, 0.42, 0.46)
RULE = (0.8, 0.82, 0.85)
BAND = (0.94, 0.95, 0.97)
ACCENT = (0.11, 0.3, 0.55)
WHITE = (1, 1, 1)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# Title, x, width, right-aligned: Billfold's line table.
COLUMNS = [
    ("No.", 40, 16, False),
    ("Description", 58, 160, False),
    ("SAC", 222, 34, False),
    ("Usage period", 262, 70, False),
    ("Quantity", 334, 42, True),
    ("Unit", 382, 58, False),
    ("Rate", 440, 46, True),
    ("Taxable value", 490, RIGHT - 490, True),
]
METHODS = {"upi": "UPI", "card": "Card", "netbanking": "Net banking", "wallet": "Wallet",
           "bank_transfer": "Bank transfer"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoice", required=True, help="the invoice as GET /api/v1/invoices/{id} answers it")
    parser.add_argument("--count", type=int, default=2000, help="PDFs to render in the timed run")
    parser.add_argument("--fonts", choices=["dejavu", "helvetica"], default="dejavu")
    parser.add_argument("--write", help="save one rendered PDF here")
    args = parser.parse_args()
    with open(args.invoice, encoding="utf-8") as file:
        invoice = json.load(file)
    if args.fonts == "dejavu":
        # Parsed once, as Billfold parses its fonts once per process.
        pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))
        fonts = Fonts("DejaVu", "DejaVu-Bold", symbol=True)
    else:
        fonts = Fonts("Helvetica", "Helvetica-Bold", symbol=False)

    first = render(invoice, fonts)
    if args.write:
        with open(args.write, "wb") as file:
            file.write(first)
    render(invoice, fonts)  # A second warm-up, so the timed run starts with everything loaded.
    start = time.perf_counter()
    total = 0
    for _ in range(args.count):
        total += len(render(invoice, fonts))
    seconds = time.perf_counter() - start
    assert total > 0
    accel = "with rl_accel" if has_accelerator() else "without rl_accel"
    print(f"reportlab {reportlab_version} ({accel}, Python {sys.version.split()[0]}, canvas, {args.fonts}): "
          f"tax invoice {invoice['number']} for {invoice['customer']['name']}, {len(invoice['lines'])} lines")
    print(f"  size: {len(first):,} bytes, 1 page")
    print(f"  1 worker:  {args.count:,} PDFs in {seconds:.3f} s = {args.count / seconds:,.0f} PDFs/s")


def has_accelerator():
    try:
        import _rl_accel  # noqa: F401
        return True
    except ImportError:
        return False


class Fonts:
    def __init__(self, regular, bold, symbol):
        self.regular = regular
        self.bold = bold
        # Only an embedded TrueType face prints the rupee sign; with Helvetica Billfold writes INR instead.
        self.symbol = symbol


def money(minor_units, currency, fonts):
    """`₹1,18,000.50` (lakh grouping for rupees), `$1,234.50`, or `INR 1,18,000.50` without the rupee sign."""
    sign = "-" if minor_units < 0 else ""
    major, minor = divmod(abs(minor_units), 100)
    digits = str(major)
    if len(digits) > 3:
        groups = [digits[-3:]]
        rest = digits[:-3]
        size = 2 if currency == "INR" else 3
        while rest:
            groups.append(rest[-size:])
            rest = rest[:-size]
        digits = ",".join(reversed(groups))
    number = f"{digits}.{minor:02d}"
    if not fonts.symbol:
        return f"{sign}{currency} {number}"
    return sign + {"INR": "₹", "USD": "$"}.get(currency, currency + " ") + number


def date(text):
    """`2026-12-01` as `01 Dec 2026`."""
    year, month, day = text.split("-")
    return f"{day} {MONTHS[int(month) - 1]} {year}"


def period(start, end):
    if start == end:
        return date(start)
    if start[:7] == end[:7]:
        return f"{start[8:]}–{date(end)}"
    if start[:4] == end[:4]:
        return f"{start[8:]} {MONTHS[int(start[5:7]) - 1]}–{date(end)}"
    return f"{date(start)}–{date(end)}"


def rate(text):
    """A unit price with at least two decimals."""
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def address_lines(address):
    lines = [address["line1"]]
    if address.get("line2"):
        lines.append(address["line2"])
    lines.append(" ".join(part for part in (address["city"], address["pin"]) if part))
    if address["country"] != "IN":
        lines.append(address["country"])
    return lines


class Page:
    """Billfold's coordinates (points from the top of the page) on a ReportLab canvas."""

    def __init__(self, pdf, fonts):
        self.pdf = pdf
        self.fonts = fonts
        self.font = None
        self.color = None

    def text(self, text, x, y, size, bold=False, color=BLACK, right=False):
        # Font and colour change only when they must: ReportLab's best case.
        font = (self.fonts.bold if bold else self.fonts.regular, size)
        if font != self.font:
            self.pdf.setFont(*font)
            self.font = font
        if color != self.color:
            self.pdf.setFillColorRGB(*color)
            self.color = color
        if right:
            self.pdf.drawRightString(x, PAGE_HEIGHT - y, text)
        else:
            self.pdf.drawString(x, PAGE_HEIGHT - y, text)

    def wrap(self, text, width, size, bold=False):
        return simpleSplit(text, self.fonts.bold if bold else self.fonts.regular, size, width) or [""]

    def line(self, x1, y1, x2, y2, width=0.5, color=RULE):
        self.pdf.setLineWidth(width)
        self.pdf.setStrokeColorRGB(*color)
        self.pdf.line(x1, PAGE_HEIGHT - y1, x2, PAGE_HEIGHT - y2)

    def box(self, x, y, width, height, fill):
        self.pdf.setFillColorRGB(*fill)
        self.color = fill
        self.pdf.rect(x, PAGE_HEIGHT - y - height, width, height, stroke=0, fill=1)

    def heading(self, text, x, y):
        self.text(text.upper(), x, y, 7.5, bold=True, color=MUTED)


def render(invoice, fonts):
    """The invoice as PDF bytes, on one page: this comparison lays out no page breaks, so it refuses more."""
    output = io.BytesIO()
    pdf = canvas.Canvas(output, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    supplier = invoice["supplier"]
    customer = invoice["customer"]
    currency = invoice["currency"]
    number = invoice["number"]
    pdf.setTitle(f"Tax Invoice {number}")
    pdf.setAuthor(supplier["legal_name"])
    page = Page(pdf, fonts)

    # The supplier on the left; the title and the dates on the right.
    y = 52.0
    for line in page.wrap(supplier["name"], 280, 13, bold=True):
        page.text(line, LEFT, y, 13, bold=True)
        y += 15
    lines = [] if supplier["legal_name"] == supplier["name"] else [supplier["legal_name"]]
    lines += address_lines(supplier["address"])
    if supplier["address"].get("state_name"):
        lines.append(f"{supplier['address']['state_name']} ({supplier['address']['state_code']})")
    for line in lines:
        for wrapped in page.wrap(line, 280, 8.5):
            page.text(wrapped, LEFT, y, 8.5, color=MUTED)
            y += 11
    if supplier.get("gstin"):
        page.text("GSTIN: " + supplier["gstin"], LEFT, y, 8.5, bold=True)
        y += 11
    if supplier.get("email"):
        page.text(supplier["email"], LEFT, y, 8.5, color=ACCENT)
        width = pdfmetrics.stringWidth(supplier["email"], fonts.regular, 8.5)
        pdf.linkURL("mailto:" + supplier["email"], (LEFT, PAGE_HEIGHT - y - 2.5, LEFT + width, PAGE_HEIGHT - y + 8.5))
        y += 11
    right_y = 60.0
    page.text("Tax Invoice", RIGHT, right_y, 20, bold=True, color=ACCENT, right=True)
    right_y += 20
    details = [("Invoice number", number), ("Issue date", date(invoice["issue_date"]))]
    if invoice.get("due_date"):
        details.append(("Due date", date(invoice["due_date"])))
    details.append(("Billing period", period(invoice["period_start"], invoice["period_end"])))
    for label, value in details:
        page.text(label, RIGHT - 200, right_y, 8.5, color=MUTED)
        page.text(value, RIGHT, right_y, 8.5, bold=True, right=True)
        right_y += 12
    y = max(y, right_y) + 6
    page.line(LEFT, y, RIGHT, y, width=1, color=ACCENT)
    y += 16

    # The recipient on the left; place of supply, reverse charge and status on the right.
    top = y
    page.heading("Bill to", LEFT, top)
    left_y = top + 14
    for line in page.wrap(customer["name"], 260, 10, bold=True):
        page.text(line, LEFT, left_y, 10, bold=True)
        left_y += 12
    lines = [] if customer["legal_name"] == customer["name"] else [customer["legal_name"]]
    lines += address_lines(customer["address"])
    if customer["address"].get("state_name"):
        lines.append(f"State: {customer['address']['state_name']}, code {customer['address']['state_code']}")
    for line in lines:
        for wrapped in page.wrap(line, 260, 8.5):
            page.text(wrapped, LEFT, left_y, 8.5)
            left_y += 11
    if customer.get("gstin"):
        page.text("GSTIN: " + customer["gstin"], LEFT, left_y, 8.5, bold=True)
        left_y += 11
    right_x = RIGHT - 200
    page.heading("Supply", right_x, top)
    right_y = top + 14
    rows = []
    if invoice.get("place_of_supply"):
        rows.append(("Place of supply", f"{invoice['place_of_supply_name']} ({invoice['place_of_supply']})"))
    rows.append(("Reverse charge", "Yes" if invoice["reverse_charge"] else "No"))
    rows.append(("Status", invoice["status"].capitalize()))
    if invoice["amount_due"] > 0:
        rows.append(("Amount due", money(invoice["amount_due"], currency, fonts)))
    for label, value in rows:
        page.text(label, right_x, right_y, 8.5, color=MUTED)
        for line in page.wrap(value, 110, 8.5, bold=True):
            page.text(line, RIGHT, right_y, 8.5, bold=True, right=True)
            right_y += 11
        right_y += 1
    if invoice["description"]:
        right_y += 2
        for line in page.wrap(invoice["description"], 200, 8):
            page.text(line, right_x, right_y, 8, color=MUTED)
            right_y += 10
    y = max(left_y, right_y) + 14

    # The lines.
    page.box(LEFT, y, RIGHT - LEFT, 18, BAND)
    for title, x, width, right in COLUMNS:
        page.text(title, x + width if right else x, y + 12, 7.5, bold=True, color=MUTED, right=right)
    y += 22
    for position, line in enumerate(invoice["lines"], start=1):
        description = page.wrap(line["description"], 160, 8)
        resource = line["resource_name"]
        resource_lines = [] if not resource or resource == line["description"] else page.wrap(resource, 160, 7)
        usage = page.wrap(period(line["period_start"], line["period_end"]), 70, 8)
        unit = page.wrap(line["unit"], 58, 8)
        height = max(len(description) + len(resource_lines), len(usage), len(unit)) * 9.5 + 5
        baseline = y + 7.5
        cells = [(0, [str(position)]), (2, [line["sac"]]), (3, usage), (4, [line["quantity"]]), (5, unit),
                 (6, [rate(line["unit_price"])]), (7, [money(line["amount"], currency, fonts)])]
        for column, texts in cells:
            _, x, width, right = COLUMNS[column]
            for offset, text in enumerate(texts):
                page.text(text, x + width if right else x, baseline + offset * 9.5, 8, right=right)
        for offset, text in enumerate(description):
            page.text(text, 58, baseline + offset * 9.5, 8)
        for offset, text in enumerate(resource_lines):
            page.text(text, 58, baseline + (len(description) + offset) * 9.5, 7, color=MUTED)
        y += height
        page.line(LEFT, y - 2, RIGHT, y - 2)
    y += 10

    # Tax by head and rate, and the totals, on the right.
    top = y
    head_x = RIGHT - 250
    rate_x = head_x + 78
    taxable_x = RIGHT - 80
    page.heading("Tax summary", head_x, top)
    right_y = top + 14
    for title, x, right in [("Tax", head_x, False), ("Rate", rate_x, True), ("Taxable value", taxable_x, True),
                            ("Amount", RIGHT, True)]:
        page.text(title, x, right_y, 7.5, bold=True, color=MUTED, right=right)
    right_y += 4
    page.line(head_x, right_y, RIGHT, right_y)
    right_y += 11
    if not invoice["tax_breakdown"]:
        page.text("Zero-rated supply: no GST charged", head_x, right_y, 8)
        right_y += 12
    for head in invoice["tax_breakdown"]:
        page.text(head["head"].upper(), head_x, right_y, 8)
        page.text(head["rate"] + "%", rate_x, right_y, 8, right=True)
        page.text(money(head["taxable_amount"], currency, fonts), taxable_x, right_y, 8, right=True)
        page.text(money(head["amount"], currency, fonts), RIGHT, right_y, 8, right=True)
        right_y += 12
    right_y += 2
    page.line(head_x, right_y - 8, RIGHT, right_y - 8)
    for label, amount in [("Taxable value", invoice["subtotal"]), ("Total tax", invoice["tax"]["total"])]:
        right_y += 4
        page.text(label, head_x, right_y, 8.5)
        page.text(money(amount, currency, fonts), RIGHT, right_y, 8.5, right=True)
        right_y += 8
    right_y += 4
    page.box(head_x - 6, right_y, RIGHT - head_x + 6, 20, ACCENT)
    page.text("Total", head_x, right_y + 14, 10, bold=True, color=WHITE)
    page.text(money(invoice["total"], currency, fonts), RIGHT - 6, right_y + 14, 10, bold=True, color=WHITE,
              right=True)
    right_y += 34
    for label, amount in [("Amount paid", invoice["amount_paid"]), ("Amount due", invoice["amount_due"])]:
        page.text(label, head_x, right_y, 8.5, color=MUTED)
        page.text(money(amount, currency, fonts), RIGHT, right_y, 8.5, bold=True, right=True)
        right_y += 12

    # Amount in words and the payments received, on the left.
    page.heading("Amount in words", LEFT, top)
    left_y = top + 14
    for line in page.wrap(invoice["amount_in_words"], 250, 8.5, bold=True):
        page.text(line, LEFT, left_y, 8.5, bold=True)
        left_y += 11
    left_y += 8
    payments = [payment for payment in invoice["payments"] if payment["status"] == "succeeded"]
    if payments:
        page.text("PAYMENTS RECEIVED", LEFT, left_y, 7.5, bold=True, color=MUTED)
        left_y += 13
        for payment in payments:
            # Billfold prints the day in India; the API's instant is UTC, and noon UTC is the same day there.
            description = date((payment["paid_at"] or payment["created_at"])[:10]) + "  " + METHODS[payment["method"]]
            if payment.get("reference"):
                description += " · " + payment["reference"]
            amount = money(payment["amount"], currency, fonts)
            room = 250 - pdfmetrics.stringWidth(amount, fonts.regular, 8) - 8
            page.text(amount, LEFT + 250, left_y, 8, right=True)
            for line in page.wrap(description, room, 8):
                page.text(line, LEFT, left_y, 8)
                left_y += 11
    y = max(left_y, right_y) + 6

    # The signature, and the footer.
    y += 8
    page.text("For " + supplier["legal_name"], RIGHT, y, 8.5, bold=True, right=True)
    page.text("This document is issued electronically.", LEFT, y, 7.5, color=MUTED)
    y += 30
    page.line(RIGHT - 160, y, RIGHT, y, width=0.6, color=MUTED)
    y += 11
    page.text("Authorised signatory", RIGHT, y, 7.5, color=MUTED, right=True)
    if y > PAGE_HEIGHT - 58:
        sys.exit(f"reportlab: invoice {number} does not fit on one page, and this layout has no page breaks")
    footer_y = PAGE_HEIGHT - 28
    legal = f"Tax Invoice {number} · {supplier['legal_name']}"
    if supplier.get("gstin"):
        legal += " · GSTIN " + supplier["gstin"]
    page.line(LEFT, footer_y - 12, RIGHT, footer_y - 12)
    page.text(legal, LEFT, footer_y, 7, color=MUTED)
    page.text("Page 1 of 1", RIGHT, footer_y, 7.5, color=MUTED, right=True)

    pdf.showPage()
    pdf.save()
    return output.getvalue()


if __name__ == "__main__":
    main()
