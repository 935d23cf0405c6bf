#!/usr/bin/env python3
"""The billing portal in a real browser: selenium driving headless Chromium against `billfold serve --demo`.

Run by scripts/check-portal.sh, which starts the server and sets:
  BILLFOLD_URL        the server, e.g. http://127.0.0.1:8123
  PORTAL_SCREENSHOTS  where screenshots go (dashboard-phone.png, ...)
  PORTAL_DOWNLOADS    a folder for the browser's downloads

The pages are found through the portal's page contract: `[data-testid=...]` and form field names. What a page
shows is compared with the JSON API, called with the demo operator key. Every test runs, in order (Pay Now and
the extra member change the data, so they come after the read-only tests, and the grace banner's test, which moves
the server's test clock (`serve --test-clock`) a month or more ahead, comes last); a failing test prints why and
leaves failure-<test>.png beside the screenshots. The last line reads `N passed, N failed`.
"""

import base64
import csv
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zoneinfo

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("BILLFOLD_URL", "http://127.0.0.1:8080").rstrip("/")
SCREENSHOTS = os.environ.get("PORTAL_SCREENSHOTS", os.path.join(os.getcwd(), ".build", "screenshots"))
DOWNLOADS = os.environ.get("PORTAL_DOWNLOADS", "/tmp/billfold-portal-downloads")
OPERATOR_KEY = "bf_demo_local_only_key"
PASSWORD = "billfold-demo"
OWNER = "owner@chailabs.example"
ADMIN = "admin@chailabs.example"
PREPAID_OWNER = "meera.iyer@mail.example"
WORKSPACE_NAME = "Chai Labs"
PHONE = (390, 844)
DESKTOP = (1366, 900)
# Every wait below is a safety net for something that never happens, not a measure of speed: CI machines are shared
# and busy, and a page that is slow to come must not fail a test.
FIND_SECONDS = 60
WAIT_SECONDS = 60
STATUS_LABELS = {
    "cancelled": "Cancelled", "paid": "Paid", "processing": "Processing", "overdue": "Overdue",
    "failed": "Failed", "pending": "Pending", "draft": "Draft",
}


class Failure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---------------------------------------------------------------- the JSON API, with the operator key


def api(method, path, body=None, token=OPERATOR_KEY):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        raise Failure(f"API {method} {path} answered {error.code}: {error.read()[:500]!r}") from None


def api_invoices(**params):
    """Every invoice the list answers for these filters, across its pages, newest first as the API orders them."""
    items, after = [], None
    for _ in range(50):
        query = dict(params, limit=100)
        if after:
            query["starting_after"] = after
        page = api("GET", "/api/v1/invoices?" + urllib.parse.urlencode(query))
        items += page["data"]
        if not page["has_more"] or not page["data"]:
            return items
        after = page["data"][-1]["id"]
    raise Failure("the API's invoice list did not end within 50 pages")


_workspaces = None


def workspaces():
    global _workspaces
    if _workspaces is None:
        _workspaces = api("GET", "/api/v1/workspaces?limit=100")["data"]
    return _workspaces


def chai_labs():
    for workspace in workspaces():
        if workspace.get("name") == WORKSPACE_NAME:
            return workspace["id"]
    raise Failure(f"no workspace named {WORKSPACE_NAME} in the demo")


# The history shows every status but draft: drafts are the operator's, not yet the customer's.
HISTORY_STATUSES = "pending,paid,overdue,processing,failed,cancelled"


def chai_invoices(**params):
    """Chai Labs' invoices as the API lists them; without a status, those the history shows (no drafts)."""
    params.setdefault("status", HISTORY_STATUSES)
    return api_invoices(workspace_id=chai_labs(), **params)


def http_status(path, cookies):
    """The status a request for `path` gets with these browser cookies, redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(BASE + path)
    request.add_header("Cookie", "; ".join(f"{c['name']}={c['value']}" for c in cookies))
    try:
        with opener.open(request, timeout=WAIT_SECONDS) as response:
            return response.status, response.headers.get("Location")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location")


# ---------------------------------------------------------------- the browser


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=en-IN", "--no-first-run",
                     "--disable-search-engine-choice-screen", "--disable-features=Translate,MediaRouter"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": DOWNLOADS,
        "download.prompt_for_download": False,
        "download.directory_upgrade": True,
        "plugins.always_open_pdf_externally": True,
        "profile.default_content_setting_values.automatic_downloads": 1,
        "safebrowsing.enabled": False,
    })
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT_SECONDS)
    # Headless Chrome downloads only where it is told to.
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": DOWNLOADS, "eventsEnabled": True})
    return driver


driver = None


def path_of(url=None):
    return urllib.parse.urlparse(url or driver.current_url).path


def where():
    try:
        return f"(at {driver.current_url}, title {driver.title!r})"
    except WebDriverException:
        return ""


def go(path):
    driver.get(BASE + path)


def by_testid(testid):
    return (By.CSS_SELECTOR, f"[data-testid='{testid}']")


def find(testid, within=None, seconds=FIND_SECONDS):
    """The element with this data-testid, waiting a little for it; a clear failure when the page has none."""
    root = within or driver
    try:
        return WebDriverWait(driver, seconds).until(lambda _: root.find_element(*by_testid(testid)))
    except TimeoutException:
        raise Failure(f"no [data-testid={testid}] on the page {where()}") from None


def find_css(selector, seconds=FIND_SECONDS, what=None):
    try:
        return WebDriverWait(driver, seconds).until(lambda _: driver.find_element(By.CSS_SELECTOR, selector))
    except TimeoutException:
        raise Failure(f"no {what or selector} on the page {where()}") from None


def field(name, form=None):
    """The visible form field named `name`, in `form` when given (a page may carry hidden copies elsewhere)."""
    selector = f"[name='{name}']:not([type=hidden])"
    if form is None:
        return find_css(selector, what=f"form field named {name!r}")
    found = form.find_elements(By.CSS_SELECTOR, selector)
    check(found, f"the form of [data-testid=apply-filters] has no field named {name!r} {where()}")
    return found[0]


def wait_until(condition, message, seconds=WAIT_SECONDS):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.2).until(lambda _: condition())
    except TimeoutException:
        raise Failure(f"{message} {where()}") from None


def set_value(element, value):
    """Types into a text field; sets a date field's value directly (typing into one depends on the locale)."""
    if (element.get_attribute("type") or "").lower() in ("date", "month", "datetime-local"):
        driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, value)
    else:
        element.clear()
        element.send_keys(value)


def click(element):
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    try:
        element.click()
    except WebDriverException:
        driver.execute_script("arguments[0].click();", element)


signed_in_as = None


def sign_out_quietly():
    global signed_in_as
    signed_in_as = None
    driver.delete_all_cookies()


def as_member(email, password=PASSWORD):
    """Signs in through the form unless this browser is signed in as `email` already: the server allows 30
    sign-in attempts from one address in 15 minutes, and every test here comes from 127.0.0.1."""
    if signed_in_as == email and driver.get_cookies():
        return
    sign_in(email, password)


def sign_in(email, password=PASSWORD, expect_success=True):
    global signed_in_as
    sign_out_quietly()
    go("/portal/sign-in")
    set_value(field("email"), email)
    set_value(field("password"), password)
    old = driver.find_element(By.TAG_NAME, "html")
    click(find("sign-in"))
    if expect_success:
        wait_until(lambda: path_of() != "/portal/sign-in" or has("error"),
                   f"signing in as {email} did not leave the sign-in page")
        check(not has("error"), f"signing in as {email} showed an error: {text_of('error')!r} {where()}")
        signed_in_as = email
    else:
        wait_until(lambda: is_stale(old), "the sign-in form was not submitted")


def is_stale(element):
    try:
        element.tag_name
        return False
    except WebDriverException:
        return True


def has(testid):
    return bool(driver.find_elements(*by_testid(testid)))


def text_of(testid):
    elements = driver.find_elements(*by_testid(testid))
    return elements[0].text.strip() if elements else None


# ---------------------------------------------------------------- downloads


def clear_downloads():
    shutil.rmtree(DOWNLOADS, ignore_errors=True)
    os.makedirs(DOWNLOADS, exist_ok=True)


def wait_for_download(what, seconds=WAIT_SECONDS):
    deadline = time.time() + seconds
    while time.time() < deadline:
        names = [n for n in os.listdir(DOWNLOADS) if not n.endswith((".crdownload", ".tmp")) and not n.startswith(".")]
        partial = [n for n in os.listdir(DOWNLOADS) if n.endswith(".crdownload")]
        if names and not partial:
            check(len(names) == 1, f"{what}: expected one downloaded file, got {names}")
            path = os.path.join(DOWNLOADS, names[0])
            if os.path.getsize(path) > 0:
                return path
        time.sleep(0.2)
    raise Failure(f"{what}: no file arrived in the download folder within {seconds} s {where()}")


# ---------------------------------------------------------------- the history


def row_elements():
    return driver.find_elements(By.CSS_SELECTOR, "tr[data-testid='invoice-row']")


def rows_on_page():
    rows = []
    for row in row_elements():
        statuses = row.find_elements(*by_testid("status"))
        rows.append({"id": row.get_attribute("data-id"),
                     "status": statuses[0].text.strip() if statuses else None,
                     "text": row.text})
    return rows


def wait_for_history():
    find("invoice-table")


def all_rows():
    """The rows of every page of the current list, following next-page."""
    wait_for_history()
    rows = rows_on_page()
    for _ in range(50):
        links = [e for e in driver.find_elements(*by_testid("next-page")) if e.is_displayed()]
        if not links or links[0].get_attribute("disabled") is not None or \
                links[0].get_attribute("aria-disabled") == "true":
            return rows
        first = row_elements()[0] if row_elements() else None
        click(links[0])
        if first is not None:
            wait_until(lambda: is_stale(first), "next-page did not load another page")
        wait_for_history()
        rows += rows_on_page()
    raise Failure("the history did not end within 50 pages")


def compare_rows(rows, expected, what):
    shown = [r["id"] for r in rows]
    check(all(shown), f"{what}: a row has no data-id: {[r['text'] for r in rows if not r['id']][:3]}")
    check(len(shown) == len(set(shown)), f"{what}: a row is shown twice: {shown}")
    wanted = [i["id"] for i in expected]
    missing = [f"{i['id']} ({i['status']})" for i in expected if i["id"] not in shown]
    extra = [i for i in shown if i not in wanted]
    check(not missing and not extra,
          f"{what}: the page shows {len(shown)} rows, the API {len(wanted)}; "
          f"missing {missing[:5]}, not in the API {extra[:5]}")
    by_id = {i["id"]: i for i in expected}
    for row in rows:
        label = STATUS_LABELS.get(by_id[row["id"]]["status"], by_id[row["id"]]["status"])
        check(row["status"] == label,
              f"{what}: row {row['id']} shows status {row['status']!r}, the API says {label!r}")


# ---------------------------------------------------------------- screenshots and layout


def emulate(size, mobile):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": mobile})


def screenshot(name, size):
    """The whole page at the emulated width (what sticks out past it is cut off, as on the device), up to 6000 px
    tall."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, name + ".png")
    try:
        metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        content = metrics.get("cssContentSize") or metrics["contentSize"]
        width = size[0]
        height = min(max(content["height"], size[1]), 6000)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
    except WebDriverException:
        driver.save_screenshot(path)
    return path


OVERFLOW_SCRIPT = """
const width = document.documentElement.clientWidth;
const page = Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0);
if (page <= width + 1) return null;
function scrolls(el) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
  }
  return false;
}
const culprits = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if (r.right > width + 1 && !scrolls(el)) {
    const id = el.getAttribute('data-testid');
    culprits.push(el.tagName.toLowerCase() + (id ? '[data-testid=' + id + ']' : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      ' right=' + Math.round(r.right));
    if (culprits.length >= 5) break;
  }
}
return {page: page, width: width, culprits: culprits};
"""


# Which of the first history row's status, view and download cannot be seen where they are drawn (cut off by the
# page's or a scrolling container's edge), after scrolling the page (not the table) to them.
HIDDEN_IN_ROW_SCRIPT = """
const row = document.querySelector("tr[data-testid='invoice-row']");
if (!row) return null;
const hidden = [];
for (const id of ['status', 'view', 'download']) {
  const el = row.querySelector("[data-testid='" + id + "']");
  if (!el) continue;
  window.scrollBy(0, el.getBoundingClientRect().top - window.innerHeight / 2);
  const box = el.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = x >= 0 && x < window.innerWidth ? document.elementFromPoint(x, y) : null;
  if (!hit || !(el === hit || el.contains(hit) || hit.contains(el))) hidden.push(id);
}
window.scrollTo(0, 0);
return hidden.length ? hidden.join(', ') : null;
"""


# ---------------------------------------------------------------- the tests

TESTS = []


def test(function):
    TESTS.append(function)
    return function


@test
def sign_in_wrong_password_shows_the_error():
    sign_out_quietly()
    go("/portal/sign-in")
    set_value(field("email"), OWNER)
    set_value(field("password"), "not-the-password")
    click(find("sign-in"))
    error = find("error")
    check(error.is_displayed() and error.text.strip(),
          f"a wrong password shows an empty or hidden [data-testid=error] {where()}")
    check(not has("sign-out"), f"a wrong password still signed in {where()}")
    status, location = http_status("/portal", driver.get_cookies())
    check(status in (302, 303, 307) and "/portal/sign-in" in (location or ""),
          f"after a wrong password /portal answers {status} (Location {location}), not a redirect to sign-in")


@test
def sign_in_through_the_form():
    sign_in(OWNER)
    check(path_of() == "/portal", f"signing in should land on /portal {where()}")
    find("sign-out")


@test
def dashboard_shows_its_figures():
    as_member(OWNER)
    go("/portal")
    empty = []
    for testid in ("next-issue-date", "monthly-credits", "monthly-seats", "invoice-total", "wallet-balance",
                   "total-paid", "total-pending", "total-overdue"):
        if not find(testid).text.strip():
            empty.append(testid)
    check(not empty, f"the dashboard shows these figures empty: {empty}")
    for testid in ("chart-monthly", "chart-services"):
        chart = find(testid)
        size = chart.size
        check(size["width"] > 50 and size["height"] > 50,
              f"[data-testid={testid}] is drawn {size['width']}x{size['height']} px, too small to be a chart")


@test
def admin_reaches_the_history():
    as_member(ADMIN)
    go("/portal/invoices")
    wait_for_history()
    check(row_elements(), f"the admin of {WORKSPACE_NAME} sees no invoice rows {where()}")


@test
def history_lists_the_workspaces_invoices():
    as_member(OWNER)
    go("/portal/invoices")
    click(find("tab-all"))
    wait_for_history()
    first_page = [r["id"] for r in rows_on_page()]
    compare_rows(all_rows(), chai_invoices(), "all invoices")
    check(has("prev-page"), f"the last page of the history has no [data-testid=prev-page] {where()}")
    rows = row_elements()
    click(find("prev-page"))
    wait_until(lambda: is_stale(rows[0]), "prev-page did not load another page")
    wait_for_history()
    check([r["id"] for r in rows_on_page()] == first_page,
          f"prev-page from the last page does not show the first page's rows again {where()}")


def check_tabs(statuses, workspace_id, must_show=()):
    problems = []
    for status in statuses:
        try:
            go("/portal/invoices")
            tab = find(f"tab-{status}")
            rows = row_elements()
            click(tab)
            if rows:
                wait_until(lambda: is_stale(rows[0]), f"clicking tab-{status} did not load the list")
            expected = api_invoices(workspace_id=workspace_id, status=status)
            check(expected or status not in must_show, f"the demo has no {status} invoice here to show")
            compare_rows(all_rows(), expected, f"tab-{status}")
        except Failure as failure:
            problems.append(str(failure))
    check(not problems, "\n    ".join(problems))


@test
def history_tabs_filter_by_status():
    as_member(OWNER)
    check_tabs(("pending", "paid", "overdue", "processing", "failed", "cancelled"), chai_labs(), must_show=("paid",))


@test
def history_tabs_for_processing_failed_and_cancelled():
    # Chai Labs has none of these; the demo gives each to another workspace.
    for owner, name, status in (("owner@yamuna.example", "Yamuna Retail", "processing"),
                                ("owner@sukhna.example", "Sukhna Studios", "failed"),
                                ("owner@dhanush.example", "Dhanush Analytics", "cancelled")):
        workspace = next((w["id"] for w in workspaces() if w.get("name") == name), None)
        check(workspace, f"no workspace named {name} in the demo")
        as_member(owner)
        check_tabs((status,), workspace, must_show=(status,))


def apply_filters(**values):
    button = find("apply-filters")
    form = button.get_property("form")
    check(form is not None, f"[data-testid=apply-filters] is not in a form {where()}")
    for name, value in values.items():
        set_value(field(name, form), value)
    rows = row_elements()
    click(button)
    if rows:
        wait_until(lambda: is_stale(rows[0]), "apply-filters did not load the list")
    wait_for_history()


@test
def history_filters_by_date_range():
    everything = chai_invoices()
    dates = sorted({i["issue_date"] for i in everything if i.get("issue_date")})
    check(len(dates) >= 6, f"the demo has too few issue dates to pick a range from: {dates}")
    start, end = dates[2], dates[-3]
    as_member(OWNER)
    go("/portal/invoices")
    apply_filters(**{"from": start, "to": end})
    expected = chai_invoices(**{"from": start, "to": end})
    check(0 < len(expected) < len(everything), f"the range {start}..{end} should hold some invoices, not all")
    compare_rows(all_rows(), expected, f"from {start} to {end}")


@test
def history_searches_by_number():
    numbered = [i for i in chai_invoices() if i.get("number")]
    check(numbered, "the demo workspace has no numbered invoice")
    target = numbered[len(numbered) // 2]
    as_member(OWNER)
    go("/portal/invoices")
    apply_filters(q=target["number"])
    rows = all_rows()
    compare_rows(rows, chai_invoices(q=target["number"]), f"search {target['number']!r}")
    check(any(r["id"] == target["id"] for r in rows), f"searching {target['number']} does not show that invoice")
    check(target["number"] in next(r["text"] for r in rows if r["id"] == target["id"]),
          f"the row of {target['id']} does not show its number {target['number']}")


@test
def invoice_page_and_its_pdf():
    invoice = next(i for i in chai_invoices(status="paid") if i.get("number"))
    as_member(OWNER)
    go("/portal/invoices")
    apply_filters(q=invoice["number"])
    row = find_css(f"tr[data-testid='invoice-row'][data-id='{invoice['id']}']",
                   what=f"row for {invoice['id']}")
    click(find("view", within=row))
    wait_until(lambda: path_of() == f"/portal/invoices/{invoice['id']}",
               f"[data-testid=view] of {invoice['id']} did not open /portal/invoices/{invoice['id']}")
    check(invoice["number"] in find("invoice-number").text,
          f"[data-testid=invoice-number] reads {text_of('invoice-number')!r}, not {invoice['number']}")
    check(find("status").text.strip() == "Paid", f"[data-testid=status] reads {text_of('status')!r}, not Paid")
    for testid in ("gst-breakdown", "line-items", "payments", "print"):
        find(testid)
    clear_downloads()
    click(find("download"))
    pdf = wait_for_download(f"the PDF of {invoice['number']}")
    with open(pdf, "rb") as handle:
        check(handle.read(5) == b"%PDF-", f"the download {os.path.basename(pdf)} is not a PDF")
    result = subprocess.run(["qpdf", "--check", pdf], capture_output=True, text=True)
    check(result.returncode == 0, f"qpdf --check fails on the downloaded PDF:\n{result.stdout}{result.stderr}")


@test
def download_selected_gives_a_zip_of_two_pdfs():
    as_member(OWNER)
    go("/portal/invoices")
    click(find("tab-paid"))
    wait_for_history()
    boxes = driver.find_elements(By.CSS_SELECTOR, "tr[data-testid='invoice-row'] input[name='ids']")
    check(len(boxes) >= 2, f"fewer than two rows have an input[name=ids] checkbox {where()}")
    chosen = []
    for box in boxes[:2]:
        click(box)
        check(box.is_selected(), f"clicking the checkbox of a row did not select it {where()}")
        chosen.append(box.get_attribute("value"))
    clear_downloads()
    click(find("download-selected"))
    archive = wait_for_download("Download selected")
    check(zipfile.is_zipfile(archive), f"Download selected gave {os.path.basename(archive)}, which is not a ZIP")
    with zipfile.ZipFile(archive) as zipped:
        names = zipped.namelist()
        check(len(names) == 2, f"the ZIP holds {len(names)} entries, not 2: {names}")
        for name in names:
            check(zipped.read(name)[:5] == b"%PDF-", f"the ZIP entry {name} is not a PDF")


@test
def export_csv_matches_the_filtered_list():
    as_member(OWNER)
    go("/portal/invoices")
    click(find("tab-paid"))
    wait_for_history()
    shown = len(all_rows())
    expected = len(chai_invoices(status="paid"))
    check(shown == expected, f"the paid tab shows {shown} rows, the API has {expected}")
    go("/portal/invoices")
    click(find("tab-paid"))
    wait_for_history()
    link = find("export-csv")
    check(link.tag_name == "a", f"[data-testid=export-csv] is a <{link.tag_name}>, the contract says a link")
    clear_downloads()
    click(link)
    path = wait_for_download("Export CSV")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    check(table, "the CSV is empty")
    header, rows = table[0], [r for r in table[1:] if any(cell.strip() for cell in r)]
    check(any("number" in cell.lower() for cell in header), f"the CSV's first row is not a header: {header}")
    check(len(rows) == shown, f"the CSV has {len(rows)} rows, the filtered list {shown}")


def printed(day):
    """A date as Billfold's documents print it: 01 Apr 2026."""
    return day.strftime("%d ") + ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[day.month - 1]) \
        + day.strftime(" %Y")


@test
def statement_for_a_chosen_range():
    # The form starts at this financial year so far, in the billing clock's time zone (India).
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Kolkata")).date()
    year_start = datetime.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    as_member(OWNER)
    go("/portal/invoices")
    form = find("statement-form")
    check(field("from", form).get_attribute("value") == year_start.isoformat(),
          f"the statement's From reads {field('from', form).get_attribute('value')!r}, not {year_start}")
    check(field("to", form).get_attribute("value") == today.isoformat(),
          f"the statement's To reads {field('to', form).get_attribute('value')!r}, not {today}")
    numbered = sorted((i for i in chai_invoices() if i.get("number") and i.get("issue_date")),
                      key=lambda i: i["issue_date"])
    check(len(numbered) >= 4, f"{WORKSPACE_NAME} has too few numbered invoices for a range")
    start = datetime.date.fromisoformat(numbered[1]["issue_date"])
    end = datetime.date.fromisoformat(numbered[-2]["issue_date"])
    inside = [i["number"] for i in numbered if start <= datetime.date.fromisoformat(i["issue_date"]) <= end]
    set_value(field("from", form), start.isoformat())
    set_value(field("to", form), end.isoformat())
    clear_downloads()
    click(find("download-statement"))
    pdf = wait_for_download(f"the statement from {start} to {end}")
    name = os.path.basename(pdf)
    check(name.endswith(f"-{start}-{end}.pdf"), f"the statement is named {name}, not for {start} to {end}")
    with open(pdf, "rb") as handle:
        check(handle.read(5) == b"%PDF-", f"the statement {name} is not a PDF")
    result = subprocess.run(["qpdf", "--check", pdf], capture_output=True, text=True)
    check(result.returncode == 0, f"qpdf --check fails on the statement:\n{result.stdout}{result.stderr}")
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    check(WORKSPACE_NAME in text, f"the statement does not name {WORKSPACE_NAME}")
    for day in (start, end):
        check(printed(day) in text, f"the statement does not show {printed(day)}, an end of its range")
    missing = [number for number in inside if number not in text]
    check(not missing, f"the statement leaves out invoices issued in its range: {missing}")
    check(path_of() == "/portal/invoices", f"downloading the statement left the billing history {where()}")


def pay_through_the_sandbox_checkout(invoice_id):
    """From the invoice's page, signed in: Pay Now, the sandbox checkout's Pay, and the page showing Paid by itself."""
    click(find("pay-now"))
    wait_until(lambda: path_of().startswith("/sandbox/razorpay/checkout"),
               "Pay Now did not reach the sandbox checkout under /sandbox/razorpay/checkout")
    check("SANDBOX" in driver.find_element(By.TAG_NAME, "body").text, "the checkout page is not labelled SANDBOX")
    radios = driver.find_elements(By.CSS_SELECTOR, "input[type=radio][name=method]")
    check(radios, "the sandbox checkout has no payment method radio buttons")
    pick = next((r for r in radios if r.get_attribute("value") == "upi"), radios[-1])
    click(pick)
    check(pick.is_selected(), "the payment method radio button did not select")
    click(find_css("button[name=outcome][value=pay]", what="the Pay button"))
    # No reload: the callback lands on the invoice's page, which must come to show Paid by itself.
    wait_until(lambda: path_of() == f"/portal/invoices/{invoice_id}",
               f"after paying, the browser did not come back to /portal/invoices/{invoice_id}")
    wait_until(lambda: (text_of("status") or "") == "Paid",
               f"the invoice's page shows {text_of('status')!r}, not Paid, {WAIT_SECONDS} s after paying (no reload)")
    after = api("GET", f"/api/v1/invoices/{invoice_id}")
    check(after["status"] == "paid", f"the API says {invoice_id} is {after['status']} after paying")


# The first bytes of a PNG image: enough for the server to recognise one by its content.
PNG_BYTES = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D]) + b"IHDR" + bytes(13)


@test
def dispute_an_invoice_and_see_it_resolved_with_a_credit_note():
    # Before Pay Now, which pays the open invoice this test disputes; the credit note leaves the rest due.
    candidates = [i for i in chai_invoices(status="pending,overdue") if i["amount_due"] > 0 and i.get("number")]
    check(candidates, f"{WORKSPACE_NAME} has no open invoice to dispute")
    invoice = candidates[0]
    as_member(OWNER)
    go(f"/portal/invoices/{invoice['id']}")
    click(find("dispute-invoice"))
    wait_until(lambda: path_of() == f"/portal/invoices/{invoice['id']}/dispute",
               "[data-testid=dispute-invoice] did not open the dispute form")
    form = find("dispute-form")
    check(form.get_attribute("enctype") == "multipart/form-data", "the dispute form does not send files")
    driver.execute_script("arguments[0].value = 'usage_wrong';", find("dispute-reason"))
    click(find_css("input[name='lines'][value='0']", what="the first line's checkbox"))
    expected = invoice["total"] - 20000
    set_value(find("dispute-expected-total"), f"{expected // 100}.{expected % 100:02d}")
    message = "The storage line bills 500 GB; the volume was 375 GB from the 8th."
    set_value(find("dispute-message"), message)
    screenshot_path = os.path.join(DOWNLOADS, "usage.png")
    os.makedirs(DOWNLOADS, exist_ok=True)
    with open(screenshot_path, "wb") as handle:
        handle.write(PNG_BYTES)
    find("dispute-attachments").send_keys(screenshot_path)
    screenshot("dispute-form-desktop", DESKTOP)
    click(find("raise-dispute"))
    wait_until(lambda: path_of().startswith("/portal/disputes/dsp_") or has("error"),
               "raising the dispute did not open its thread")
    check(not has("error"), f"raising the dispute showed an error: {text_of('error')!r}")
    dispute_id = path_of().rsplit("/", 1)[-1]
    check(text_of("dispute-status") == "Open", f"the new dispute reads {text_of('dispute-status')!r}, not Open")
    check(message in find("dispute-thread").text, "the thread does not show the message the dispute was raised with")
    check("usage.png" in find("dispute-attachments").text, "the thread does not list the attached usage.png")

    comment = "The metering export for the month is attached."
    set_value(find("comment-body"), comment)
    click(find("add-comment"))
    wait_until(lambda: has("dispute-notice") and comment in find("dispute-thread").text,
               "the comment did not appear in the thread")
    screenshot("dispute-thread-desktop", DESKTOP)

    click(find("dispute-invoice-link"))
    wait_until(lambda: path_of() == f"/portal/invoices/{invoice['id']}", "the dispute does not link its invoice")
    check(find("status").text.strip() == "Disputed", f"the invoice reads {text_of('status')!r}, not Disputed")
    check(path_of(find("open-dispute-link").get_attribute("href")) == f"/portal/disputes/{dispute_id}",
          "the invoice page does not link the open dispute")
    go("/portal/disputes")
    find_css(f"tr[data-testid='dispute-row'][data-id='{dispute_id}']", what=f"the row of {dispute_id}")

    # The operator resolves it through the API with a credit note taken off the amount due.
    resolution = api("POST", f"/api/v1/disputes/{dispute_id}/resolve", {
        "explanation": "The resize shows from the 8th; credited.",
        "credit_note": {"lines": [{"position": 0, "amount": 10000}], "destination": "amount_due"}})
    note = resolution["credit_note"]
    go(f"/portal/disputes/{dispute_id}")
    check(text_of("dispute-status") == "Resolved", f"the resolved dispute reads {text_of('dispute-status')!r}")
    check("credited" in (text_of("dispute-resolution") or ""), "the dispute does not show the resolution")
    click(find("dispute-credit-note"))
    wait_until(lambda: path_of() == f"/portal/invoices/{note['id']}", "the dispute does not link its credit note")
    go(f"/portal/invoices/{invoice['id']}")
    check(find("status").text.strip() != "Disputed", "the invoice still reads Disputed after the resolution")
    check(note["number"] in find("corrections").text, f"the invoice page does not list credit note {note['number']}")
    check(has("amount-credited"), "the invoice page does not show the amount credited")
    link = find("correction-link")
    check(path_of(link.get_attribute("href")) == f"/portal/invoices/{note['id']}",
          "the invoice page's credit note row does not link the credit note")


@test
def pay_now_through_the_sandbox_checkout():
    candidates = [i for i in chai_invoices() if i["status"] in ("pending", "overdue", "failed") and i["amount_due"] > 0]
    check(candidates, f"{WORKSPACE_NAME} has no unpaid invoice to pay")
    invoice = candidates[0]
    as_member(OWNER)
    go(f"/portal/invoices/{invoice['id']}")
    pay_through_the_sandbox_checkout(invoice["id"])


@test
def member_without_billing_role_gets_no_access():
    email = f"viewer-{int(time.time())}@chailabs.example"
    api("POST", f"/api/v1/workspaces/{chai_labs()}/members",
        {"email": email, "name": "Portal Viewer", "role": "member", "password": "viewer-pass-1"})
    as_member(email, "viewer-pass-1")
    go("/portal")
    find("no-billing-access")
    check(not has("invoice-total") and not has("total-paid"), "a member without billing role sees billing figures")
    go("/portal/invoices")
    find("no-billing-access")
    check(not row_elements(), "a member without billing role sees invoice rows")
    check(not has("statement-form"), "a member without billing role sees the statement form")
    status, _ = http_status("/portal/statement.pdf", driver.get_cookies())
    check(status == 403, f"a member without billing role gets {status} for the statement, not 403")


@test
def another_workspaces_invoice_is_not_found():
    others = [w["id"] for w in workspaces() if w.get("name") != WORKSPACE_NAME]
    foreign = next((i for w in others for i in api_invoices(workspace_id=w)[:1]), None)
    check(foreign, "no other workspace has an invoice")
    as_member(OWNER)
    go(f"/portal/invoices/{foreign['id']}")
    body = driver.find_element(By.TAG_NAME, "body").text
    check(not has("invoice-number") and (foreign.get("number") or "\0") not in body,
          f"the owner of {WORKSPACE_NAME} sees another workspace's invoice {foreign['id']}")
    check("404" in body or "not found" in body.lower() or "not found" in driver.title.lower(),
          f"another workspace's invoice does not show a 'not found' page {where()}")
    status, _ = http_status(f"/portal/invoices/{foreign['id']}", driver.get_cookies())
    check(status == 404, f"another workspace's invoice page answers {status}, not 404")


@test
def wallet_page_has_its_contract():
    as_member(PREPAID_OWNER)  # Chai Labs is postpaid and has no wallet
    go("/portal/wallet")
    for testid in ("wallet-balance", "wallet-ledger", "top-up"):
        find(testid)
    field("amount")


@test
def profile_page_has_its_contract():
    as_member(OWNER)
    go("/portal/profile")
    for name in ("legal_name", "line1", "line2", "city", "state_code", "pin", "gstin"):
        field(name)
    for testid in ("gstin-hint", "kyc-status", "auto-pay", "save-profile"):
        find(testid)


@test
def a_form_with_a_forged_csrf_token_is_refused():
    as_member(OWNER)
    go("/portal/profile")
    button = find("save-profile")
    form = button.get_property("form")
    check(form is not None, f"[data-testid=save-profile] is not in a form {where()}")
    forged = driver.execute_script(
        "const fields = [...arguments[0].querySelectorAll('input[type=hidden]')]"
        "  .filter(f => /csrf/i.test(f.name));"
        "fields.forEach(f => { f.value = 'forged-' + f.value.split('').reverse().join(''); });"
        "return fields.length;", form)
    check(forged, f"the profile form carries no hidden CSRF field (a hidden input whose name has 'csrf') {where()}")
    click(button)
    find("csrf-error")


@test
def screenshots_at_phone_and_desktop_widths():
    invoice = next(i for i in chai_invoices() if i.get("number"))
    as_member(OWNER)
    pages = [("dashboard", "/portal", "next-issue-date"), ("history", "/portal/invoices", "invoice-table"),
             ("detail", f"/portal/invoices/{invoice['id']}", "invoice-number")]
    overflow, missing = [], []
    try:
        for width_name, size, mobile in (("phone", PHONE, True), ("desktop", DESKTOP, False)):
            emulate(size, mobile)
            for name, path, testid in pages:
                go(path)
                try:
                    find(testid)
                except Failure as failure:
                    missing.append(str(failure))
                # The page has loaded with its fonts, so what is measured below is its final layout.
                wait_until(lambda: driver.execute_script(
                    "return document.readyState === 'complete' && document.fonts.status === 'loaded'"),
                    f"{path} did not finish loading its fonts")
                screenshot(f"{name}-{width_name}", size)
                if name == "history":
                    hidden = driver.execute_script(HIDDEN_IN_ROW_SCRIPT)
                    if hidden:
                        overflow.append(f"on a {width_name} ({size[0]} px) the first history row's {hidden} "
                                        "cannot be seen without scrolling sideways")
                if mobile:
                    found = driver.execute_script(OVERFLOW_SCRIPT)
                    if found:
                        overflow.append(f"{path} is {found['page']} px wide on a {found['width']} px phone; "
                                        f"sticking out: {found['culprits']}")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    check(not missing, "screenshots taken of incomplete pages:\n    " + "\n    ".join(missing))
    check(not overflow, "pages scroll sideways on a phone:\n    " + "\n    ".join(overflow))


@test
def sign_out_ends_the_session():
    sign_in(OWNER)
    go("/portal")
    cookies = driver.get_cookies()
    click(find("sign-out"))
    wait_until(lambda: not has("sign-out"), "the sign-out button did not sign out")
    go("/portal")
    wait_until(lambda: path_of() == "/portal/sign-in", "after signing out, /portal does not redirect to sign-in")
    status, location = http_status("/portal", cookies)
    check(status in (302, 303, 307) and "/portal/sign-in" in (location or ""),
          f"the signed-out session's cookie still opens /portal (status {status}, Location {location})")


def advance_clock(day, hour=12):
    """Moves the server's test clock to `hour` o'clock in India on `day`; each midnight passed runs billing, payments,
    dunning and mail. A long advance is slow by design, so its wait is longer than the others'."""
    target = datetime.datetime.combine(day, datetime.time(hour), zoneinfo.ZoneInfo("Asia/Kolkata"))
    request = urllib.request.Request(BASE + "/api/v1/test_clock/advance", method="POST",
                                     data=json.dumps({"to": target.isoformat()}).encode())
    request.add_header("Authorization", f"Bearer {OPERATOR_KEY}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise Failure(f"advancing the test clock to {target} answered {error.code}: {error.read()[:500]!r}") from None


def chai_labs_now():
    return api("GET", f"/api/v1/workspaces/{chai_labs()}")


@test
def grace_banner_until_the_overdue_invoice_is_paid():
    # Last: it moves the server's clock. Chai Labs starts owing nothing overdue (Pay Now paid its open invoice; any
    # still open are settled by transfer here), then the clock runs past the next billing run and its invoice's due
    # date, as it would in real time, so the workspace is in grace for that one invoice.
    try:
        today = datetime.date.fromisoformat(api("GET", "/api/v1/test_clock")["today"])
    except Failure as failure:
        raise Failure(f"the server must run with --test-clock for this test: {failure}") from None
    for invoice in chai_invoices(status="pending,overdue,failed"):
        if invoice["amount_due"] > 0:
            api("POST", f"/api/v1/invoices/{invoice['id']}/payments",
                {"method": "bank_transfer", "amount": invoice["amount_due"], "reference": f"NEFT-{invoice['id']}"})
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    advance_clock(next_month + datetime.timedelta(days=1))
    issued = chai_invoices(status="pending", **{"from": next_month.isoformat()})
    check(len(issued) == 1, f"the billing run on {next_month} issued {len(issued)} invoices to {WORKSPACE_NAME}")
    invoice = issued[0]
    due = datetime.date.fromisoformat(invoice["due_date"])
    advance_clock(due + datetime.timedelta(days=1))
    workspace = chai_labs_now()
    check(workspace["service_state"] == "grace" and workspace.get("suspends_at"),
          f"a day after {invoice['number']} fell due, {WORKSPACE_NAME} is {workspace['service_state']}, "
          f"suspends_at {workspace.get('suspends_at')!r}; expected grace with a date")
    suspends_on = datetime.datetime.fromisoformat(workspace["suspends_at"].replace("Z", "+00:00")) \
        .astimezone(zoneinfo.ZoneInfo("Asia/Kolkata")).date()

    sign_in(OWNER)  # the clock moved past the session's life
    go("/portal")
    banner = find("service-banner")
    wanted = f"Service will be suspended on {printed(suspends_on)}"
    check(wanted in banner.text, f"the banner reads {banner.text!r}, not {wanted!r} {where()}")
    pay = find("banner-pay-now", within=banner)
    check(path_of(pay.get_attribute("href")) == f"/portal/invoices/{invoice['id']}",
          f"the banner's Pay now goes to {pay.get_attribute('href')}, not the overdue {invoice['id']}")
    click(pay)
    wait_until(lambda: path_of() == f"/portal/invoices/{invoice['id']}",
               f"the banner's Pay now did not open /portal/invoices/{invoice['id']}")
    pay_through_the_sandbox_checkout(invoice["id"])
    go("/portal")
    find("next-issue-date")
    check(not has("service-banner"), f"the banner still shows after paying: {text_of('service-banner')!r} {where()}")


def main():
    global driver
    os.makedirs(SCREENSHOTS, exist_ok=True)
    for name in os.listdir(SCREENSHOTS):
        if name.endswith(".png"):
            os.remove(os.path.join(SCREENSHOTS, name))
    clear_downloads()
    only = set(sys.argv[1:])
    try:
        driver = make_driver()
    except WebDriverException as error:
        print(f"could not start headless Chromium through chromedriver: {error}")
        print("0 passed, 1 failed")
        return 1
    passed, failed = [], []
    try:
        for function in TESTS:
            name = function.__name__
            if only and name not in only:
                continue
            started = time.time()
            try:
                function()
                passed.append(name)
                print(f"PASS {name} ({time.time() - started:.1f} s)", flush=True)
            except Failure as failure:
                failed.append(name)
                print(f"FAIL {name}: {failure}", flush=True)
            except Exception:  # a selenium error or a bug in the test: still a loud failure with its trace
                failed.append(name)
                print(f"FAIL {name}: unexpected error {where()}\n{traceback.format_exc()}", flush=True)
            if name in failed:
                try:
                    driver.save_screenshot(os.path.join(SCREENSHOTS, f"failure-{name}.png"))
                except WebDriverException:
                    pass
    finally:
        driver.quit()
    if failed:
        print("failed: " + ", ".join(failed))
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
