"""The newcomer's first command shows the bot working with no Slack account."""

import io

from bot.cli import main


def test_dev_plays_the_scripted_week_and_exits_zero(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["dev"], environ={}, stdout=out, stderr=err) == 0, err.getvalue()
    text = out.getvalue()
    assert "Alan Turing" in text and "SMART" in text
    assert "李雷" in text and "什么是 SMART 目标" in text
    assert "not in this organisation's directory" in text
    assert "unsigned request -> HTTP 401" in text
