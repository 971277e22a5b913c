"""One person's week in a real browser: headless Chromium from the system, driven by Playwright.

Every wait is Playwright's own (for an element or a text to appear), never on the clock; the playground's clock is
the FixedClock its buttons move.
"""

from urllib.parse import urlsplit

import pytest

from bot.playground.app import build_app
from bot.playground.screenshots import find_chromium
from bot.server import BackgroundServer
from tests.conftest import real_process
from tests.playground.conftest import LI_LEI, WANG_FANG

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[dev]'")
CHROMIUM = find_chromium()


@real_process
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine: apt-get install chromium")
def test_a_week_in_the_browser_from_the_friday_reminder_to_the_managers_feedback_in_chinese(playground):
    outside: list[str] = []
    with BackgroundServer(build_app(playground)) as server, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(base_url=server.url, viewport={"width": 1500, "height": 950})
        page.set_default_timeout(15_000)

        def loopback_only(route):
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()

        page.route("**/*", loopback_only)
        expect = playwright.expect
        chat, modal = page.locator("#slack-chat"), page.locator("#modal")

        # Friday 15:00 in Shanghai: 李雷's reminder; the check-in modal; the bot's inline error; the thanks.
        page.goto(f"/?as={LI_LEI}")
        expect(page.locator("#who")).to_contain_text("中文 (zh-CN)")
        page.get_by_role("button", name="Friday 15:00 in Shanghai").click()
        expect(chat).to_contain_text("该填写本周进展了")
        chat.get_by_role("button", name="填写周进展").last.click()
        expect(modal).to_be_visible()
        expect(modal.locator("h3")).to_have_text("本周进展")
        page.locator("#in-highlights").fill("两个大客户已续约")
        modal.get_by_role("button", name="提交").click()
        error = modal.locator(".bk-input[data-block-id=confidence] .bk-error")
        expect(error).to_have_text("请选择你的信心程度（1 到 5）。")
        expect(page.locator("#in-highlights")).to_have_value("两个大客户已续约")
        expect(page.locator("#happened")).to_contain_text("view_submission")
        modal.get_by_label("2 · 没把握").check()
        page.locator("#in-blockers").fill("法务审批合同需要两周")
        modal.get_by_role("button", name="提交").click()
        expect(modal).to_have_count(0)
        expect(chat.locator(".msg").last).to_contain_text("谢谢，李雷")

        # Next Monday 09:00: 王芳's agenda; she reviews 李雷's week in the modal it opens.
        page.locator("#person-picker").select_option(WANG_FANG)
        expect(page.locator("#who")).to_contain_text("manager")
        page.get_by_role("button", name="next Monday 09:00").click()
        agenda = chat.locator(".msg", has_text="一对一议程").last
        expect(agenda).to_contain_text("李雷 · 信心 2/5")
        line = agenda.locator(".bk-section", has_text="李雷 · 信心").last
        line.locator("xpath=following-sibling::div[contains(@class, 'bk-actions')][1]").get_by_role(
            "button", name="反馈").click()
        expect(modal).to_be_visible()
        page.locator("#in-went_well").fill("主动把法务风险讲清楚了")
        page.locator("#in-to_improve").fill("阻碍超过三天就请直接找我")
        modal.locator(".bk-input[data-block-id=assessment] input[value=needs_attention]").check()
        modal.locator("button[type=submit]").click()
        expect(modal).to_have_count(0)

        # 李雷 reads the feedback in his DMs, in Chinese.
        page.locator("#person-picker").select_option(LI_LEI)
        expect(chat.locator(".msg").last).to_contain_text("主动把法务风险讲清楚了")
        expect(chat.locator(".msg").last).to_contain_text("王芳")
        browser.close()
    assert outside == []  # the page works with no network: nothing but loopback was asked for
