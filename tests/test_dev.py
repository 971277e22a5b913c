"""The newcomer's first command shows the bot working with no Slack account."""

import io
from datetime import UTC, datetime

from bot.cli import main
from bot.clock import FixedClock


def test_dev_plays_the_scripted_week_and_exits_zero(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    a_thursday = FixedClock(datetime(2027, 3, 11, 15, 30, tzinfo=UTC))
    assert main(["dev"], environ={}, stdout=out, stderr=err, clock=a_thursday) == 0, err.getvalue()
    text = out.getvalue()
    assert "Alan Turing" in text and "SMART" in text
    assert "李雷" in text and "什么是 SMART 目标" in text
    assert "not in this organisation's directory" in text
    assert "unsigned request -> HTTP 401" in text
    # the review cycle, end to end
    assert "有一位同事婉拒了对 *李雷* 的评估" in text
    assert "*Calibration: Q4 review*" in text and "Asked 王芳 to look again at the review of *李雷*" in text
    assert "*你在 Q4 review 的结果*：5 · *卓越*" in text
    assert "The plan is met and closed" in text
    # the next check-in follows up: last week's blocker asked about and resolved, the manager told
    assert "上周的阻碍“法务审批合同需要两周”解决了吗？" in text and "周进展中的阻碍已经解决" in text
    # one Teams user's week beside the Slack users'
    assert "> installs the app in Microsoft Teams" in text and "bot (Teams chat):" in text
    assert "⚠️ Choose how confident you are, from 1 to 5." in text
    assert "bot (Teams dialog closes): Thanks, Linus Chen: your check-in for" in text
    # people who write to the bot, and Slack misbehaving
    assert "> writes to the bot: help" in text and "I didn't understand “what can you do?”" in text
    assert "Your change was saved, but something went wrong on my side afterwards" in text
    assert "Alan's DMs with Katherine's kudos: 1" in text
    # the assistant's draft, without a model: the records themselves, each citing its check-in
    assert "> clicks 用我的记录起草" in text and "两个大客户已续约 [周进展 2027-W10]" in text
    # a blocker nobody answers goes one level up, once
    assert "blocker-escalations ticks: sent 1" in text and "blocker-escalations ticks: sent 0" in text
    assert "*Tom Kilburn* asked Frances Allen for help" in text and "has waited 2 working days" in text
