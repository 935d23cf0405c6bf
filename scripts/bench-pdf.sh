#!/usr/bin/env bash
# Billfold's PDF rendering next to ReportLab and headless Chromium, all three printing the same paid invoice with
# ten lines, and the ratios. Builds release if needed; installs ReportLab with pip if it is missing.
# Usage: scripts/bench-pdf.sh   (BILLFOLD_COUNT=10000 REPORTLAB_COUNT=2000 CHROMIUM_COUNT=20 OUT=.build/bench-pdf)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

billfold_count=${BILLFOLD_COUNT:-10000}
reportlab_count=${REPORTLAB_COUNT:-2000}
chromium_count=${CHROMIUM_COUNT:-20}
out=${OUT:-.build/bench-pdf}

fail() {
    echo "bench-pdf: $*" >&2
    exit 1
}
need() {
    command -v "$1" >/dev/null || fail "$1 is missing: $2"
}
need swift "install the Swift toolchain"
need curl "apt-get install -y curl (billfold-bench fetches the print view with it)"
need python3 "install Python 3 for the ReportLab comparison"
need pdfinfo "apt-get install -y poppler-utils"
need pdftotext "apt-get install -y poppler-utils"
need pdftoppm "apt-get install -y poppler-utils"
if ! command -v chromium >/dev/null; then
    echo "== chromium is missing; installing it with apt-get"
    apt-get install -y chromium >/dev/null || fail "could not install chromium: apt-get install -y chromium"
fi
need chromium "apt-get install -y chromium"
# rl_accel is ReportLab's optional C accelerator (the [accel] extra); with it ReportLab is at its fastest.
if ! python3 -c 'import reportlab, _rl_accel' 2>/dev/null; then
    echo "== ReportLab with its accelerator is missing; installing it with pip"
    python3 -m pip install --quiet 'reportlab[accel]' || fail "could not install ReportLab: pip install reportlab"
fi
python3 -c 'import reportlab' || fail "ReportLab does not import after pip install reportlab"

mkdir -p "$out"
rm -f "$out"/billfold* "$out"/reportlab* "$out"/chromium* "$out"/invoice.html "$out"/invoice.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== swift build -c release (billfold-bench and billfold)"
for product in billfold-bench billfold; do
    swift build -c release --product "$product" >"$work/build.log" 2>&1 \
        || { cat "$work/build.log" >&2; fail "swift build -c release --product $product failed"; }
done
bin="$(swift build -c release --show-bin-path)"
# The figures depend on what else the machine is doing; the bench also says how many cores each run had.
echo "== $(nproc) cores, load average $(cut -d ' ' -f 1-3 /proc/loadavg)"

# The invoice's number and customer in the PDF's text: each tool printed the invoice, not a blank page. Prints the
# page count.
check_pdf() {
    local tool=$1 pdf=$2
    [[ -s $pdf ]] || fail "$tool wrote no PDF at $pdf"
    local pages
    pages=$(pdfinfo "$pdf" | sed -n 's/^Pages: *//p')
    [[ $pages -ge 1 ]] || fail "$tool's PDF has no pages: $pdf"
    local text
    text=$(pdftotext -layout "$pdf" -)
    [[ $text == *"$number"* ]] || fail "$tool's PDF does not show invoice $number: $pdf"
    [[ $text == *"$customer"* ]] || fail "$tool's PDF does not show $customer: $pdf"
    echo "$pages"
}

echo "== billfold: billfold-bench pdf --count $billfold_count"
"$bin/billfold-bench" pdf --count "$billfold_count" --write "$out/billfold.pdf" --html "$out/invoice.html" \
    --json "$out/invoice.json" | tee "$out/billfold.txt"
rate_of() {
    sed -n "s/^  $1 workers*: .*= \([0-9,]*\) PDFs\/s.*/\1/p" "$2" | tr -d ,
}
billfold_one=$(rate_of 1 "$out/billfold.txt")
billfold_two=$(rate_of 2 "$out/billfold.txt")
[[ -n $billfold_one && -n $billfold_two ]] || fail "billfold-bench pdf did not report both rates"
IFS=$'\t' read -r number customer invoice_id lines < <(python3 -c '
import json, sys
invoice = json.load(open(sys.argv[1]))
print(invoice["number"], invoice["customer"]["legal_name"], invoice["id"], len(invoice["lines"]), sep="\t")
' "$out/invoice.json")
[[ $(check_pdf billfold "$out/billfold.pdf") == 1 ]] || fail "billfold's PDF is not one page"
[[ $(<"$out/invoice.html") == *"$number"* ]] || fail "the print view in $out/invoice.html is not of invoice $number"

echo "== ReportLab: scripts/bench-pdf-reportlab.py --count $reportlab_count"
python3 scripts/bench-pdf-reportlab.py --invoice "$out/invoice.json" --count "$reportlab_count" \
    --write "$out/reportlab.pdf" | tee "$out/reportlab.txt"
reportlab_rate=$(rate_of 1 "$out/reportlab.txt")
[[ -n $reportlab_rate ]] || fail "the ReportLab script did not report a rate"
[[ $(check_pdf ReportLab "$out/reportlab.pdf") == 1 ]] || fail "ReportLab's PDF is not one page"
# Without embedded fonts as well: font subsetting is a large part of ReportLab's time.
"$bin/billfold-bench" pdf --fonts helvetica --count "$billfold_count" --workers 1 | tee "$out/billfold-helvetica.txt"
python3 scripts/bench-pdf-reportlab.py --invoice "$out/invoice.json" --count "$reportlab_count" --fonts helvetica \
    | tee "$out/reportlab-helvetica.txt"
billfold_helvetica=$(rate_of 1 "$out/billfold-helvetica.txt")
reportlab_helvetica=$(rate_of 1 "$out/reportlab-helvetica.txt")
[[ -n $billfold_helvetica && -n $reportlab_helvetica ]] || fail "the Helvetica runs did not report rates"

echo "== Chromium: $chromium_count runs of chromium --headless --print-to-pdf of the print view"
chromium_print() {
    chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --user-data-dir="$work/chromium-profile" \
        --print-to-pdf="$1" "file://$(realpath "$out/invoice.html")" >"$work/chromium.log" 2>&1 \
        || { cat "$work/chromium.log" >&2; fail "chromium --print-to-pdf failed"; }
    [[ -s $1 ]] || { cat "$work/chromium.log" >&2; fail "chromium wrote no PDF at $1"; }
}
chromium_print "$out/chromium.pdf"  # The first run creates the profile and warms the disk cache; it is not timed.
chromium_pages=$(check_pdf Chromium "$out/chromium.pdf")
start=$EPOCHREALTIME
for run in $(seq 1 "$chromium_count"); do
    chromium_print "$work/chromium-$run.pdf"
done
end=$EPOCHREALTIME
chromium_rate=$(python3 -c "print(f'{$chromium_count / ($end - $start):.2f}')")
echo "$(chromium --version 2>/dev/null | head -1): $number print view (file://, stylesheet inlined), one process a PDF"
echo "  size: $(stat -c %s "$out/chromium.pdf") bytes, $chromium_pages page(s)"
echo "  $chromium_count PDFs in $(python3 -c "print(f'{$end - $start:.2f}')") s = $chromium_rate PDFs/s"

for tool in billfold reportlab chromium; do
    pdftoppm -png -r 60 "$out/$tool.pdf" "$out/$tool" || fail "pdftoppm could not render $out/$tool.pdf"
done

python3 - "$billfold_one" "$billfold_two" "$reportlab_rate" "$chromium_rate" "$(stat -c %s "$out/billfold.pdf")" \
    "$(stat -c %s "$out/reportlab.pdf")" "$(stat -c %s "$out/chromium.pdf")" "$number" "$invoice_id" "$customer" \
    "$lines" "$out" "$chromium_pages" "$billfold_helvetica" "$reportlab_helvetica" <<'EOF'
import sys
one, two, reportlab, chromium = (float(value) for value in sys.argv[1:5])
billfold_size, reportlab_size, chromium_size = (int(value) for value in sys.argv[5:8])
number, invoice_id, customer, lines, out, chromium_pages = sys.argv[8:14]
billfold_helvetica, reportlab_helvetica = (float(value) for value in sys.argv[14:16])
print()
print(f"== PDF benchmark: tax invoice {number} ({invoice_id}) for {customer}, {lines} lines, paid")
print("   billfold and ReportLab on the invoice's data (ReportLab from its API JSON), Chromium on its print view")
print(f"  billfold, 1 core:          {one:>10,.0f} PDFs/s   target 2,000: {'met' if one >= 2000 else 'NOT MET'}")
print(f"  billfold, 2 workers:       {two:>10,.0f} PDFs/s   ({two / one:.2f}x one; see cores busy above)")
print(f"  ReportLab, 1 core:         {reportlab:>10,.0f} PDFs/s")
pages = "" if chromium_pages == "1" else f"; its PDF has {chromium_pages} pages"
print(f"  Chromium headless:         {chromium:>10,.2f} PDFs/s   (a process a PDF, not pinned to a core{pages})")
print(f"  billfold / ReportLab:      {one / reportlab:>10,.1f} x        target 5: {'met' if one >= 5 * reportlab else 'NOT MET'}")
print(f"  billfold / Chromium:       {one / chromium:>10,.0f} x        target 100: {'met' if one >= 100 * chromium else 'NOT MET'}")
print(f"  without embedded fonts (Helvetica), 1 core: billfold {billfold_helvetica:,.0f} PDFs/s, "
      f"ReportLab {reportlab_helvetica:,.0f} PDFs/s, ratio {billfold_helvetica / reportlab_helvetica:.1f}x")
print(f"  size: billfold {billfold_size:,} bytes (DejaVu Sans subset embedded), ReportLab {reportlab_size:,}, "
      f"Chromium {chromium_size:,}")
print(f"  samples and 60 dpi PNGs in {out}/")
EOF
