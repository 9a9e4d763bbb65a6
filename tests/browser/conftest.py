"""Browser tests: Debian's Chromium driven by Playwright (sync API) against ``live_server``.

Playwright cannot download its own browser here, so the system's ``chromium`` is used. When it
is missing the tests fail (never skip): CI must not pass without having run them.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Response, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright's default waits are 30 s; a local page that takes longer is a failure.
TIMEOUT_MS = 10_000


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Chromium is not installed (no `chromium` on PATH). Browser tests never skip: "
            "install Debian's chromium and fonts-noto-cjk (`make browser-deps`).",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Browser:
    """One Chromium for the whole session; each test gets its own context."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Console:
    """What the pages of a test wrote to the browser console."""

    messages: list[ConsoleMessage] = field(default_factory=list)

    def record(self, message: ConsoleMessage) -> None:
        self.messages.append(message)

    @property
    def csp_violations(self) -> list[str]:
        return [
            message.text
            for message in self.messages
            if message.type == "error" and "Content Security Policy" in message.text
        ]


@pytest.fixture
def console() -> Console:
    return Console()


def open_page(browser: Browser, live_server, console: Console, **context_options) -> Page:
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        **context_options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    # On the context: pages it opens later (a link with target="_blank") are watched too.
    context.on("console", console.record)
    return context.new_page()


@pytest.fixture
def new_page(browser, live_server, console):
    """Open pages in fresh browser contexts (a separate cookie jar each), closed afterwards.

    Every page is checked at the end: no Content-Security-Policy violation in the console.
    """
    pages = []

    def make(**context_options) -> Page:
        page = open_page(browser, live_server, console, **context_options)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.context.close()
    assert console.csp_violations == [], "CSP violations in the browser console"


@pytest.fixture
def page(new_page) -> Page:
    """A desktop-sized page in a new browser context."""
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where screenshots go: $MADOGUCHI_SCREENSHOT_DIR if set (to look at them), else a tmp dir."""
    configured = os.environ.get("MADOGUCHI_SCREENSHOT_DIR")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


def submit(page: Page, button: Locator) -> Response:
    """Press a form's button; return the POST's own response once the next page has loaded.

    Waiting for the navigation matters: the next page may look like the last one (the same
    form with an error), so checks made before it arrives could pass on the old page.
    """
    with (
        page.expect_navigation(),
        page.expect_response(lambda response: response.request.method == "POST") as posted,
    ):
        button.click()
    return posted.value


@pytest.fixture
def log_in():
    """Fill the desk login form (D1.1), press 「ログイン」, return the POST's response."""

    def log_in(page: Page, username: str, password: str) -> Response:
        login_id, realm = username.split("@")
        page.goto("/desk/login/")
        page.get_by_label("認証ID", exact=True).fill(login_id)
        page.get_by_label("@以降（ドメイン）").select_option(realm)
        page.get_by_label("パスワード", exact=True).fill(password)
        return submit(page, page.get_by_role("button", name="ログイン"))

    return log_in


@pytest.fixture
def task_worker(settings, transactional_db):
    """Start real ``db_worker`` processes; the live server enqueues to the database backend.

    Keyword arguments become the worker's environment. Workers are stopped before the test
    database is flushed; their output is printed (pytest shows it when the test fails).
    """
    from madoguchi.testing.workers import DATABASE_TASKS, Processes

    settings.TASKS = DATABASE_TASKS
    processes = Processes()
    yield processes.worker
    for process in processes.started:
        code = process.stop()
        print(f"--- worker {process.pid} (exit {code}):\n{process.output()}")
    processes.close()
