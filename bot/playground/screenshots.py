"""`checkin-bot screenshots DIR`: the playground's main moments as PNGs, clicked through in headless Chromium.

Chromium comes from the system (Debian: `apt-get install chromium`; CHECKIN_CHROMIUM names another binary) and is
driven by Playwright; Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bot.errors import CommandError

VIEWPORT = {"width": 1560, "height": 940}
WAIT_MS = 15_000  # for the page to show what a click brings (the bot answers in well under a second)
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """The Chromium binary to drive: CHECKIN_CHROMIUM, else the first on PATH."""
    named = os.environ.get("CHECKIN_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


@contextmanager
def browser_page(base_url: str) -> Iterator:
    """A headless Chromium page on the playground, with Playwright's waits set for it."""
    chromium = find_chromium()
    if chromium is None:
        raise CommandError("screenshots need Chromium: `apt-get install chromium` (or set CHECKIN_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise CommandError("screenshots need Playwright: `pip install -e '.[dev]'`") from None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT, base_url=base_url)
            page.set_default_timeout(WAIT_MS)
            yield page
        finally:
            browser.close()


def be(page, name: str) -> None:
    """Switch to a person by name, as the picker at the top does."""
    page.goto("/")
    value = page.locator("#person-picker option", has_text=name).first.get_attribute("value")
    page.goto(f"/?as={value}")


def settle(page) -> None:
    """Wait until the last click's request and the redraw after it are done."""
    page.wait_for_selector("body:not(.busy)", state="attached")


def click(page, text: str, *, within: str = "body") -> None:
    page.locator(within).get_by_role("button", name=text).first.click()
    settle(page)


def review_button(page, report: str, label: str):
    """The button under a report's line in the manager's latest agenda."""
    agenda = page.locator("#slack-chat .msg").filter(has=page.locator(".bk-section", has_text=report)).last
    line = agenda.locator(".bk-section", has_text=report).last
    return line.locator("xpath=following-sibling::div[contains(@class, 'bk-actions')][1]").get_by_role(
        "button", name=label)


def take_screenshots(directory: Path, *, today: datetime) -> list[Path]:
    """Play a week in the browser and save its main moments to `directory`; return the files written."""
    from bot.playground import playground_world
    from bot.playground.app import build_app
    from bot.server import BackgroundServer

    directory.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    def shoot(page, name: str) -> None:
        path = directory / f"{len(shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path))
        shots.append(path)

    with tempfile.TemporaryDirectory(prefix="checkin-screenshots-") as workdir, \
            playground_world(Path(workdir), today=today) as playground, \
            BackgroundServer(build_app(playground)) as server, browser_page(server.url) as page:
        be(page, "Linus Chen")
        click(page, "Install the app in Teams")
        page.locator("#teams-composer input").fill("help")
        page.locator("#teams-composer").get_by_role("button", name="Send").click()
        settle(page)

        be(page, "李雷")
        click(page, "Friday 15:00 in Shanghai")
        page.locator("#slack-chat").get_by_text("该填写本周进展了").last.wait_for()
        shoot(page, "friday-reminder")
        click(page, "填写周进展", within="#slack-chat")
        page.locator("#modal").wait_for()
        page.locator("#in-highlights").fill("两个大客户已续约")
        page.locator("#modal").get_by_role("button", name="提交").click()
        page.locator("#modal .bk-error").wait_for()
        shoot(page, "checkin-inline-error")
        page.locator("#modal").get_by_text("2 · 没把握").click()
        page.locator("#in-blockers").fill("法务审批合同需要两周")
        page.locator("#modal").get_by_role("button", name="提交").click()
        page.locator("#modal").wait_for(state="detached")
        shoot(page, "checkin-thanks")

        be(page, "Linus Chen")
        page.locator("#teams-chat .ac-card").last.wait_for()
        click(page, "Check in now", within="#teams-chat")
        page.locator("#teams-dialog").wait_for()
        shoot(page, "teams-checkin-dialog")

        be(page, "王芳")
        click(page, "next Monday 09:00")
        page.locator("#slack-chat").get_by_text("一对一议程").last.wait_for()
        shoot(page, "manager-agenda")
        review_button(page, "李雷", "反馈").click()
        settle(page)
        page.locator("#modal").wait_for()
        shoot(page, "review-modal")

        be(page, "Grace Hopper")
        click(page, "next Monday 09:00")
        click(page, "+1 hour")
        page.locator("#slack-chat img.upload").last.wait_for()
        page.locator("#slack-chat img.upload").last.scroll_into_view_if_needed()
        shoot(page, "hr-digest")
        click(page, "Open App Home")
        shoot(page, "hr-app-home")
    return shots
