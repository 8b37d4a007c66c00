#!/usr/bin/env python3
"""The web console in a real browser: headless Chromium driven by Selenium against a real agentd.

`make test-ui` runs it after building agentd and agentctl. By hand, with Debian's python3 (the
one python3-selenium installs into):

    AGENTD_BIN=.build/debug/agentd AGENTCTL_BIN=.build/debug/agentctl /usr/bin/python3 Tests/UI/console_test.py

It starts `agentd serve --dev` in a temp directory (its own socket, a free loopback port, as
Tests/DaemonTests/TestDaemon.swift does), sets up two orgs with agentctl on the socket, then
walks the console as a developer (alice) and a viewer (victor) of org acme. Each step saves a
screenshot under $UI_SCREENSHOTS (default .build/ui-screenshots). Exit status 0 when every
check passed, 1 otherwise (with the daemon's log tail, and the temp directory kept).

Selenium cannot read status codes or response headers: those checks use urllib with the
session cookie read from the browser.
"""

import html.parser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                            TimeoutException, WebDriverException)
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    sys.exit("selenium is missing: apt-get install python3-selenium chromium chromium-driver "
             "(make test-ui does), and run this with /usr/bin/python3")

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "correct-horse-battery-1"
APPLY_MESSAGE = "first version from the console"
WAIT = 10            # seconds for a page or a live part to show what a step expects
EXECUTION_WAIT = 20  # seconds for the execution to finish, seen live on its page
START_WAIT = 30      # seconds for agentd to become ready (TestDaemon's deadline too)
STOP_WAIT = 30       # seconds after SIGTERM before SIGKILL (shutdown_grace_ms is 10 s)

# Typed key by key into the editor. Flow style on purpose: no line depends on indentation, so
# nothing an editor might do on Enter can change what it means. The edge names a node that
# does not exist; the issue must point at that line.
INVALID_WORKFLOW = (
    "workflow: ui-broken\n"
    "nodes: {greet: {kind: transform, config: {output: {text: hi}}}}\n"
    "edges: [greet -> nowhere]\n"
)
INVALID_LINE = next(n for n, line in enumerate(INVALID_WORKFLOW.splitlines(), 1) if "nowhere" in line)

# Transform steps only: no model, no network; it finishes by itself in milliseconds. `count` is
# doubled, so the execution succeeds only if the run form sent it as an integer.
VALID_NODES = ("greet", "double", "summary")
VALID_WORKFLOW = """\
workflow: ui-demo
description: Written in the console by its browser test.
input:
  type: object
  required: [customer, count]
  properties:
    customer: {type: string, description: Who to greet.}
    count: {type: integer, description: A number to double.}
nodes:
  greet:
    kind: transform
    input:
      customer: "{{ input.customer }}"
    config:
      output:
        text: "Hello {{ input.customer }}"
  double:
    kind: transform
    input:
      count: "{{ input.count }}"
    config:
      output: "{{ input.count * 2 }}"
  summary:
    kind: transform
    input:
      text: "{{ nodes.greet.output.text }}"
      doubled: "{{ nodes.double.output }}"
    config:
      output:
        line: "{{ input.text }}: {{ input.doubled }}"
edges:
  - greet -> summary
  - double -> summary
output:
  summary: "{{ nodes.summary.output.line }}"
"""
RUN_INPUT = {"customer": "ACME Corp", "count": "21"}
EXPECTED_OUTPUT = "Hello ACME Corp: 42"

# Applied in org globex by globex's own admin: nobody in acme may learn that it exists.
GLOBEX_WORKFLOW = """\
workflow: globex-secret
nodes:
  only:
    kind: transform
    config:
      output: {plan: "world domination"}
"""


class Failure(Exception):
    """A check that did not hold; its message says what was expected and what was seen."""


def check(condition, message):
    if not condition:
        raise Failure(message)


def poll(what, condition, timeout, interval=0.05):
    """Calls `condition` until it returns something truthy, and returns that; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise Failure(f"waited {timeout} s for {what}")
        time.sleep(interval)


def clean_environment():
    """The caller's environment without AGENTD_* and AGENTCTL_* (TestDaemon and runProgram drop them
    too): a developer's own settings must not change the daemon or point agentctl elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AGENTD_", "AGENTCTL_"))}


# --- HTTP without the browser ----------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is the answer under test; urllib then raises it as an HTTPError


# why: no proxy from the environment (http_proxy) may stand between the test and loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def http(url, method="GET", cookie=None, form=None):
    """One request; returns (status, headers, body text). Redirects are not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if cookie:
        request.add_header("Cookie", f"agentd_session={cookie}")
    if form is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


# --- the daemon --------------------------------------------------------------------------------

class Daemon:
    """`agentd serve --dev` in `directory`, on 127.0.0.1 port 0 (the port it got is read from its
    `listening transport=tcp` log line: no guessed port, no race) and its own socket and database,
    with the flags Tests/DaemonTests/TestDaemon.swift passes."""

    def __init__(self, agentd, agentctl, directory):
        self.agentd, self.agentctl_bin, self.directory = agentd, agentctl, directory
        self.socket = os.path.join(directory, ".agentd", "agentd.sock")
        self.database = os.path.join(directory, ".agentd", "agentd.db")
        self.log_path = os.path.join(directory, "agentd.stderr")
        self.process = None
        self.base = None

    def start(self):
        env = clean_environment()
        # why: with stderr on the journal (a systemd unit running CI) `auto` would log there,
        # and the ready and listening lines this waits for would never reach the file.
        env["AGENTD_LOG_FORMAT"] = "logfmt"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [self.agentd, "serve", "--dev", "--listen", "127.0.0.1:0", "--socket", self.socket,
                 "--database", self.database],
                cwd=self.directory, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        ready = poll("agentd to log msg=ready", self._ready_line, START_WAIT)
        check("msg=ready" in ready, f"agentd did not start: {ready}")
        tcp = next((l for l in self.log_lines() if "transport=tcp" in l), None)
        address = re.search(r'\baddress="?([^"\s]+)', tcp or "")
        check(address, "no `listening transport=tcp address=…` line in agentd's log")
        self.base = "http://" + address.group(1)
        poll(f"{self.base}/readyz to answer 200", lambda: self._answers(self.base + "/readyz"), START_WAIT)

    def _ready_line(self):
        if self.process.poll() is not None:
            raise Failure(f"agentd exited with {self.process.returncode} before it was ready")
        return next((l for l in self.log_lines() if "msg=ready" in l or "level=critical" in l), None)

    @staticmethod
    def _answers(url):
        try:
            return http(url)[0] == 200
        except OSError:
            return False

    def log_lines(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return log.read().splitlines()
        except FileNotFoundError:
            return []

    def stop(self):
        """SIGTERM, then SIGKILL if it has not exited in time; returns its exit status."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_WAIT)
            except subprocess.TimeoutExpired:
                print(f"agentd did not exit {STOP_WAIT} s after SIGTERM: killing it", file=sys.stderr)
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def agentctl(self, *args, stdin=None, api_key=None):
        """Runs agentctl on this daemon's socket ($AGENTCTL_SOCKET); as the socket administrator
        (dev mode: the uid that started agentd) unless `api_key` is given. Returns stdout."""
        env = clean_environment()
        env["AGENTCTL_SOCKET"] = self.socket
        # why: agentctl sends a session stored by an earlier `agentctl login` for this address.
        env["XDG_CONFIG_HOME"] = os.path.join(self.directory, "config")
        if api_key:
            env["AGENTCTL_API_KEY"] = api_key  # in the environment, not in argv (ps)
        result = subprocess.run([self.agentctl_bin, *args], input=stdin, capture_output=True, text=True,
                                env=env, cwd=self.directory, timeout=60)
        check(result.returncode == 0,
              f"agentctl {' '.join(args)} exited {result.returncode}:\n{result.stderr}{result.stdout}")
        return result.stdout


def set_up_tenants(daemon):
    """Org acme with alice (developer) and victor (viewer); org globex with a workflow of its own.
    The commands are those of docs/agentctl.md (orgs, users, passwd, keys) and docs/workflows.md (apply)."""
    daemon.agentctl("orgs", "create", "acme", "--display-name", "ACME Corp")
    daemon.agentctl("orgs", "create", "globex", "--display-name", "Globex")
    for login, role in (("alice", "developer"), ("victor", "viewer")):
        daemon.agentctl("users", "create", login, "--role", role, "--org", "acme")
        # New password on the first line; the current one (none: an administrator's reset) on the second.
        daemon.agentctl("passwd", login, "--password-stdin", stdin=f"{PASSWORD}\n\n")
    # A socket administrator acts in org `default` (docs/security.md), and `apply` has no --org:
    # globex's own admin applies the workflow, with an API key made for her.
    daemon.agentctl("users", "create", "gina", "--role", "admin", "--org", "globex")
    token = daemon.agentctl("keys", "create", "--name", "ui-test-setup", "--user", "gina", "--org", "globex").strip()
    check(token.startswith("agk_"), f"`agentctl keys create` printed no token: {token!r}")
    path = os.path.join(daemon.directory, "globex-secret.yaml")
    with open(path, "w") as file:
        file.write(GLOBEX_WORKFLOW)
    daemon.agentctl("apply", "-f", path, "-m", "globex only", api_key=token)


# --- the browser -------------------------------------------------------------------------------

def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                     # why: containers often give /dev/shm 64 MB, too little for Chromium's renderer.
                     "--disable-dev-shm-usage",
                     # why: an http_proxy of the CI machine must not see (or refuse) 127.0.0.1.
                     "--no-proxy-server"):
        options.add_argument(argument)
    # The page's console messages, so CSP violations and script errors fail the test.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Console:
    """The browser on agentd's console, with waits that fail with what the page showed."""

    def __init__(self, driver, base, screenshots):
        self.driver, self.base, self.screenshots = driver, base, screenshots
        self.shots = []
        self.browser_log = True

    def open(self, path):
        self.driver.get(self.base + path)

    def url(self):
        return urllib.parse.urlparse(self.driver.current_url)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def exists(self, css):
        return bool(self.find_all(css))

    def text(self, css):
        found = self.find_all(css)
        return found[0].text if found else ""

    def fill(self, css, value):
        field = self.find(css)
        if field.tag_name == "select":  # e.g. #org as a list of the person's orgs
            try:
                Select(field).select_by_value(value)
            except NoSuchElementException:
                Select(field).select_by_visible_text(value)
        else:
            field.clear()
            field.send_keys(value)

    def describe(self):
        """Where the browser is and what the page says: for failure messages."""
        try:
            parts = [f"at {self.driver.current_url}", f"h1 {self.text('h1')!r}"]
            alerts = [a.text for a in self.find_all("[role=alert]") if a.text]
            if alerts:
                parts.append(f"alerts {alerts!r}")
            issues = [i.text for i in self.find_all("#issues li")]
            if issues:
                parts.append(f"issues {issues!r}")
            return "; ".join(parts)
        except WebDriverException as error:
            return f"(the page could not be read: {error.msg})"

    def wait(self, what, condition, timeout=WAIT):
        """Waits until `condition()` is truthy; elements replaced while it looks are looked up again."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                                 ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                                 ).until(lambda _: condition())
        except TimeoutException:
            raise Failure(f"waited {timeout} s for {what}; {self.describe()}") from None

    def wait_for_path(self, path, timeout=WAIT):
        self.wait(f"the browser to reach {path}", lambda: self.url().path == path, timeout)

    def wait_for_h1(self, *words):
        self.wait(f"an h1 containing one of {words}",
                  lambda: any(w.lower() in self.text("h1").lower() for w in words))

    def cookie(self):
        """The session cookie's value (HttpOnly: invisible to the page, readable by WebDriver)."""
        cookie = self.driver.get_cookie("agentd_session")
        return cookie["value"] if cookie and cookie.get("value") else None

    def screenshot(self, name):
        path = os.path.join(self.screenshots, name + ".png")
        check(self.driver.save_screenshot(path), f"could not save {path}")
        self.shots.append(path)

    def check_browser_log(self):
        """Fails on what the page's console reported since the last look: a script error or a
        Content-Security-Policy violation. (Failed loads of 4xx pages are expected, not checked.)"""
        if not self.browser_log:
            return
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            print("note: this chromedriver gives no browser log; script errors are not checked")
            self.browser_log = False
            return
        bad = [e["message"] for e in entries if e.get("level") == "SEVERE"
               and re.search(r"Content Security Policy|Uncaught|Refused to", e.get("message", ""))]
        check(not bad, f"the page's console reported problems: {bad}")


# --- the steps ---------------------------------------------------------------------------------

def sign_in(console, login, password, org="acme"):
    """Fills the login form on the page the browser is on (a /ui/login page) and submits it."""
    console.wait("the login form", lambda: console.exists("#sign-in"))
    console.fill("#login", login)
    console.fill("#password", password)
    console.fill("#org", org)
    console.find("#sign-in").click()


def step_wrong_password(console, state):
    console.open("/ui/login")
    sign_in(console, "alice", "not-the-password-1")
    console.wait("an alert with text", lambda: console.text("[role=alert]").strip())
    alert = console.text("[role=alert]")
    check(console.url().path == "/ui/login", f"a wrong password left the login page: {console.describe()}")
    check(re.search(r"password|credential|invalid|incorrect|wrong", alert, re.I),
          f"the alert does not say what went wrong: {alert!r}")
    check(console.find("#password").get_attribute("value") == "",
          "the login page sent the typed password back in #password")
    check(console.cookie() is None, "a refused login set a session cookie")
    console.screenshot("01-login-refused")


def step_sign_in(console, state):
    sign_in(console, "alice", PASSWORD)
    console.wait_for_path("/ui/dashboard")
    console.wait_for_h1("Dashboard")
    cookie = console.driver.get_cookie("agentd_session")
    check(cookie, "no agentd_session cookie after signing in")
    check(cookie.get("httpOnly"), f"the session cookie is not HttpOnly: {cookie}")
    check(str(cookie.get("sameSite")).lower() == "strict", f"the session cookie is not SameSite=Strict: {cookie}")
    state["alice"] = cookie["value"]
    console.screenshot("02-dashboard")


def step_editor_shows_issues(console, state):
    console.open("/ui/editor")
    console.wait("the editor's #document", lambda: console.exists("#document"))
    document = console.find("#document")
    check(document.tag_name == "textarea", f"#document is a <{document.tag_name}>, not a <textarea>")
    document.clear()
    document.send_keys(INVALID_WORKFLOW)  # typed for real: the editor must react to keystrokes

    def issue_on_line():
        return any(li.get_attribute("data-line") == str(INVALID_LINE) for li in console.find_all("#issues li"))
    console.wait(f"an #issues li with data-line={INVALID_LINE}", issue_on_line)
    console.wait("a .gutter .line-error", lambda: console.exists(".gutter .line-error"))
    marked = [e.get_attribute("data-line") for e in console.find_all(".gutter .line-error")]
    check(str(INVALID_LINE) in marked or all(m is None for m in marked),
          f"the gutter marks lines {marked}, not line {INVALID_LINE}")
    state_attr = console.find("#validation-status").get_attribute("data-state")
    check(state_attr != "ok", "#validation-status says ok for a workflow with an unknown node")
    console.screenshot("03-editor-issues")


def step_editor_applies(console, state):
    document = console.find("#document")
    # why: send_keys types YAML a key at a time (slow); setting the value and sending the same
    # `input` event a keystroke sends is what the editor listens to.
    console.driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", document, VALID_WORKFLOW)

    def valid():
        status = console.find("#validation-status")
        text = status.text.lower()
        return status.get_attribute("data-state") == "ok" and "valid" in text and "invalid" not in text
    console.wait("#validation-status data-state=ok saying valid", valid)
    console.wait("#preview svg", lambda: console.exists("#preview svg"))
    check(not console.find_all("#issues li"), f"issues listed for a valid workflow: {console.describe()}")
    check(not console.exists(".gutter .line-error"), "the gutter still marks an error for a valid workflow")
    preview = console.find("#preview svg").get_attribute("textContent")
    missing = [n for n in VALID_NODES if n not in preview]
    check(not missing, f"the preview does not show the steps {missing}")
    console.fill("#message", APPLY_MESSAGE)
    console.screenshot("04-editor-valid")
    console.find("#apply").click()
    console.wait_for_path("/ui/workflows/ui-demo")
    console.wait("#dag svg", lambda: console.exists("#dag svg"))
    console.wait(f"{APPLY_MESSAGE!r} in #versions", lambda: APPLY_MESSAGE in console.text("#versions"))
    # For the viewer's step: what victor must not see, alice does see.
    check(console.exists("#edit-workflow"), "no #edit-workflow for alice, a developer")
    check(console.exists("form#run-form"), "no form#run-form for alice, a developer")
    console.screenshot("05-workflow")


def step_run(console, state):
    form = console.find("form#run-form")
    for name, value in RUN_INPUT.items():
        fields = form.find_elements(By.ID, f"field-{name}")
        check(fields, f"form#run-form has no #field-{name} (one field per input property)")
        console.fill(f"#field-{name}", value)
    console.find("#run").click()
    console.wait("an execution's page", lambda: re.fullmatch(r"/ui/executions/[^/]+", console.url().path))
    state["execution"] = console.url().path.rsplit("/", 1)[1]
    # why: the page must follow the execution by itself; a mark on this page's window is gone if
    # anything reloads it.
    console.driver.execute_script("window.agentdUITestMark = 'not reloaded';")

    def finished():
        status = console.find("#execution-status").get_attribute("data-status")
        return status if status in ("succeeded", "failed", "cancelled") else None
    status = console.wait("#execution-status to reach a final data-status", finished, EXECUTION_WAIT)
    check(status == "succeeded", f"the execution ended {status}: {console.describe()}")

    def steps_done():
        steps = console.find_all("#timeline li.step")
        return len(steps) == len(VALID_NODES) and all(s.get_attribute("data-status") == "succeeded" for s in steps)
    try:
        console.wait(f"{len(VALID_NODES)} succeeded #timeline li.step", steps_done, EXECUTION_WAIT)
    except Failure:
        seen = [(s.get_attribute("data-node"), s.get_attribute("data-status")) for s in console.find_all("#timeline li.step")]
        raise Failure(f"the timeline shows {seen}, expected {len(VALID_NODES)} steps, each succeeded") from None
    check(console.driver.execute_script("return window.agentdUITestMark;") == "not reloaded",
          "the execution page reloaded itself; it should update in place")
    check(EXPECTED_OUTPUT in console.driver.page_source, f"the page does not show the output {EXPECTED_OUTPUT!r}")
    console.screenshot("06-execution")


def step_lists(console, state):
    execution = f"/ui/executions/{state['execution']}"
    console.open("/ui/executions")
    console.wait("table#executions", lambda: console.exists("table#executions"))
    links = [urllib.parse.urlparse(a.get_attribute("href")).path for a in console.find_all("table#executions a[href]")]
    check(execution in links, f"table#executions has no link to {execution}: {links}")
    console.screenshot("07-executions")

    console.open("/ui/workflows")
    console.wait("table#workflows", lambda: console.exists("table#workflows"))
    links = [urllib.parse.urlparse(a.get_attribute("href")).path for a in console.find_all("table#workflows a[href]")]
    check("/ui/workflows/ui-demo" in links, f"table#workflows does not list ui-demo: {links}")
    check("globex-secret" not in console.find("table#workflows").text, "acme's list shows globex's workflow")
    check(console.exists("#new-workflow"), "no #new-workflow for alice, a developer")
    console.screenshot("08-workflows")


def step_search(console, state):
    """The top bar's search box finds the workflow and its execution, the words marked; the
    workflow's star makes it a favourite the empty search page lists."""
    from selenium.webdriver.common.keys import Keys
    console.open("/ui/workflows")
    console.fill("#search-box", "ui demo")
    console.find("#search-box").send_keys(Keys.RETURN)
    console.wait("the search results", lambda: console.exists("#search-results"))
    kinds = [li.get_attribute("data-kind") for li in console.find_all("#search-results li")]
    check("workflow" in kinds, f"the search found no workflow: {kinds}; {console.describe()}")
    box = console.find("#search-page-q").get_attribute("value")
    check(box == "ui demo", f"the search box shows {box!r}, not what was typed")
    check(console.exists("#search-results mark"), "no matched word is marked")
    console.screenshot(f"{len(console.shots) + 1:02d}-search")
    console.open("/ui/workflows/ui-demo")
    console.wait("the favourite button", lambda: console.exists("#favorite"))
    console.find("#favorite").click()
    console.wait("the star to turn on", lambda: console.exists('#favorite[aria-pressed="true"]'))
    console.open("/ui/search")
    console.wait("the favourites", lambda: console.exists("#favorites"))
    check("ui-demo" in console.text("#favorites"), f"favourites: {console.text('#favorites')!r}")


def step_tour(console, state):
    """Every other page renders with its heading and no script error; the dashboard in the dark
    theme and at 200 % zoom (a 640 px wide viewport at twice the pixels) fits without scrolling
    sideways; first paint of the dashboard, caches cleared, is measured."""
    for path, name in [("/ui/costs", "costs"), ("/ui/approvals", "approvals"), ("/ui/alerts", "alerts"),
                       ("/ui/settings/users", "settings-users"), ("/ui/settings/keys", "settings-keys"),
                       ("/ui/settings/secrets", "settings-secrets"), ("/ui/settings/audit", "settings-audit")]:
        console.open(path)
        console.wait(f"the heading of {path}", lambda: console.exists("main h1"))
        check(console.url().path == path, f"{path} went to {console.url().path}")
        console.screenshot(f"{len(console.shots) + 1:02d}-{name}")

    driver = console.driver
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    console.open("/ui/dashboard")
    console.wait("the dashboard", lambda: console.exists("#dash-running"))
    # The entry is recorded once the frame is presented: wait for it.
    paint = console.wait("the first-contentful-paint entry", lambda: driver.execute_script(
        "const p = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');"
        "return p ? p.startTime : null;"))
    state["first_paint_ms"] = paint
    print(f"    first contentful paint of /ui/dashboard, caches cleared: {paint:.0f} ms")
    check(paint < 2000, f"first paint took {paint:.0f} ms")
    # The live part comes again over server-sent events every 5 s, without a reload.
    driver.execute_script("window.__notReloaded = true;")
    first = console.text("#dash-at")
    console.wait("the dashboard to update itself", lambda: console.text("#dash-at") != first, timeout=15)
    check(driver.execute_script("return window.__notReloaded === true;"), "the dashboard reloaded instead of updating in place")

    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    console.open("/ui/workflows/ui-demo")
    console.wait("the DAG", lambda: console.exists("#dag svg"))
    console.screenshot(f"{len(console.shots) + 1:02d}-workflow-dark")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 640, "height": 900, "deviceScaleFactor": 2, "mobile": False})
    try:
        for path in ("/ui/dashboard", "/ui/workflows"):
            console.open(path)
            console.wait(f"{path} at 200 %", lambda: console.exists("main h1"))
            overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth;")
            check(overflow <= 1, f"{path} at 200 % scrolls sideways by {overflow} px")
            console.screenshot(f"{len(console.shots) + 1:02d}-zoom-200{path.replace('/', '-')}")
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


class _AssetRefs(html.parser.HTMLParser):
    """Collects a page's scripts and stylesheets."""

    def __init__(self):
        super().__init__()
        self.inline_scripts, self.scripts, self.stylesheets = 0, [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.scripts.append(attributes["src"])
            else:
                self.inline_scripts += 1
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or "").lower().split():
            self.stylesheets.append(attributes.get("href") or "")


def step_security_headers(console, state):
    """CSP on every page type, no inline script, assets only from /ui/assets/ with immutable caching."""
    base, cookie = console.base, state["alice"]
    pages = ["/ui/dashboard", "/ui/editor", "/ui/workflows/ui-demo", f"/ui/executions/{state['execution']}"]
    checked_assets = set()
    for page, page_cookie in [(p, cookie) for p in pages] + [("/ui/login", None)]:
        status, headers, body = http(base + page, cookie=page_cookie)
        check(status == 200, f"GET {page} answered {status}")
        csp = headers.get("Content-Security-Policy") or ""
        for directive in ("default-src 'self'", "frame-ancestors 'none'"):
            check(directive in csp, f"GET {page}: Content-Security-Policy {csp!r} lacks {directive!r}")
        refs = _AssetRefs()
        refs.feed(body)
        check(refs.inline_scripts == 0, f"GET {page}: {refs.inline_scripts} inline <script> without src")
        for ref in refs.scripts + refs.stylesheets:
            url = urllib.parse.urljoin(base + page, ref)
            parsed = urllib.parse.urlparse(url)
            check(url.startswith(base + "/") and parsed.path.startswith("/ui/assets/"),
                  f"GET {page} loads {ref!r}, which is not under /ui/assets/ of agentd")
            if url in checked_assets:
                continue
            checked_assets.add(url)
            status, headers, _ = http(url, cookie=page_cookie)
            check(status == 200, f"GET {parsed.path} answered {status}")
            cache = headers.get("Cache-Control") or ""
            check("immutable" in cache, f"GET {parsed.path}: Cache-Control {cache!r} lacks immutable")
    check(checked_assets, "no page loads a script or stylesheet from /ui/assets/")
    state["assets"] = len(checked_assets)


def step_csrf(console, state):
    """A POST another site's page could send (the cookie, but not the page's CSRF token) is refused."""
    url, cookie = console.base + "/ui/logout", state["alice"]
    status, _, _ = http(url, method="POST", cookie=cookie, form={})
    check(status == 403, f"POST /ui/logout without csrf_token answered {status}, expected 403")
    status, _, _ = http(url, method="POST", cookie=cookie, form={"csrf_token": "0" * 64})
    check(status == 403, f"POST /ui/logout with a wrong csrf_token answered {status}, expected 403")
    status, _, _ = http(console.base + "/ui/dashboard", cookie=cookie)
    check(status == 200, f"after the refused POSTs, alice's session answers {status} (it should still work)")


def step_logout(console, state):
    console.open("/ui/dashboard")
    console.wait("the #logout button", lambda: console.exists("#logout"))
    console.find("#logout").click()
    console.wait_for_path("/ui/login")
    check(console.cookie() is None, "the session cookie is still set after signing out")
    status, headers, _ = http(console.base + "/ui/dashboard", cookie=state["alice"])
    location = urllib.parse.urlparse(headers.get("Location") or "").path
    check(status in (302, 303, 307) and location == "/ui/login",
          f"alice's old cookie still works after signing out: GET /ui/dashboard answered {status} {location!r}")
    console.open("/ui/dashboard")
    console.wait_for_path("/ui/login")
    query = urllib.parse.parse_qs(console.url().query)
    check(query.get("next") == ["/ui/dashboard"],
          f"signed out, /ui/dashboard sent the browser to {console.driver.current_url}, expected /ui/login?next=/ui/dashboard")
    console.screenshot("30-signed-out")


def step_viewer(console, state):
    sign_in(console, "victor", PASSWORD)  # on /ui/login?next=/ui/dashboard, from the step before
    console.wait_for_path("/ui/dashboard")
    victor = console.cookie()
    check(victor, "no agentd_session cookie after victor signed in")

    console.open("/ui/workflows/ui-demo")
    console.wait("#dag svg", lambda: console.exists("#dag svg"))
    check(not console.exists("#edit-workflow"), "victor, a viewer, is offered #edit-workflow")
    check(not console.exists("form#run-form"), "victor, a viewer, is offered form#run-form")
    console.screenshot("31-viewer-workflow")

    console.open("/ui/workflows")
    console.wait("table#workflows", lambda: console.exists("table#workflows"))
    check(not console.exists("#new-workflow"), "victor, a viewer, is offered #new-workflow")

    console.open("/ui/editor")
    console.wait_for_h1("403", "Forbidden")
    check(not console.exists("#document"), "the editor is shown to victor, a viewer")
    console.screenshot("32-viewer-forbidden")

    console.open("/ui/workflows/globex-secret")
    console.wait_for_h1("Not found")
    check("world domination" not in console.driver.page_source, "globex's workflow leaks into its not-found page")
    console.screenshot("33-viewer-not-found")

    expected = {"/ui/workflows/ui-demo": 200, "/ui/workflows/globex-secret": 404, "/ui/editor": 403}
    for page, want in expected.items():
        status, _, _ = http(console.base + page, cookie=victor)
        check(status == want, f"GET {page} as victor answered {status}, expected {want}")


STEPS = [
    ("wrong password stays on the login page", step_wrong_password),
    ("alice signs in", step_sign_in),
    ("the editor marks an invalid workflow", step_editor_shows_issues),
    ("the editor applies a valid workflow", step_editor_applies),
    ("the run form starts an execution, followed live", step_run),
    ("the lists show them", step_lists),
    ("search finds them; a favourite is kept", step_search),
    ("the other pages, dark, and at 200 %", step_tour),
    ("security headers and assets", step_security_headers),
    ("a cross-site POST is refused", step_csrf),
    ("signing out ends the session", step_logout),
    ("a viewer sees, and may not change", step_viewer),
]


# --- the run -----------------------------------------------------------------------------------

def binary(variable, default):
    path = os.path.abspath(os.environ.get(variable) or default)
    if not os.access(path, os.X_OK):
        sys.exit(f"{path} is not an executable: build it first (swift build --product "
                 f"{os.path.basename(default)}) or set {variable}")
    return path


def screenshot_directory():
    path = os.path.abspath(os.environ.get("UI_SCREENSHOTS") or ".build/ui-screenshots")
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):  # only this run's pictures
        if re.fullmatch(r"\d\d-.*\.png", name):
            os.remove(os.path.join(path, name))
    return path


def main():
    started = time.monotonic()
    agentd, agentctl = binary("AGENTD_BIN", ".build/debug/agentd"), binary("AGENTCTL_BIN", ".build/debug/agentctl")
    screenshots = screenshot_directory()
    # Short: the socket path must stay under the kernel's 108 bytes.
    directory = tempfile.mkdtemp(prefix="agentd-ui-", dir="/tmp")
    daemon, driver, console = Daemon(agentd, agentctl, directory), None, None
    timings, failed = [], None
    try:
        phase = time.monotonic()
        daemon.start()
        set_up_tenants(daemon)
        timings.append(("agentd started, orgs and users set up", time.monotonic() - phase))
        phase = time.monotonic()
        driver = start_browser()
        console = Console(driver, daemon.base, screenshots)
        timings.append(("chromium started", time.monotonic() - phase))
        state = {}
        for name, step in STEPS:
            phase = time.monotonic()
            try:
                step(console, state)
                console.check_browser_log()
            except Exception as error:
                failed = (name, error)
                raise
            finally:
                timings.append((name, time.monotonic() - phase))
    except Exception as error:
        failed = failed or ("set-up", error)
        print(f"\nFAILED: {failed[0]}\n  {error if isinstance(error, Failure) else ''}", file=sys.stderr)
        if not isinstance(error, Failure):
            traceback.print_exc()
        if console:
            try:
                console.screenshot("99-failure")
            except Exception:
                pass
    finally:
        if driver:
            driver.quit()
        status = daemon.stop()
    if failed is None and status != 0:
        failed = ("agentd's exit", Failure(f"agentd exited with {status} after SIGTERM"))
        print(f"\nFAILED: agentd exited with {status} after SIGTERM", file=sys.stderr)

    print("\nconsole test:")
    for name, seconds in timings:
        print(f"  {seconds:6.2f} s  {name}")
    print(f"  {time.monotonic() - started:6.2f} s  in all; screenshots in {screenshots}")
    if failed:
        print("\nagentd's stderr, last 60 lines:", file=sys.stderr)
        for line in daemon.log_lines()[-60:]:
            print("  " + line, file=sys.stderr)
        print(f"\nkept {directory} (database, log) for a look", file=sys.stderr)
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    print(f"passed: {len(STEPS)} steps, {len(console.shots)} screenshots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
