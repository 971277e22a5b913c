from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_it_reads_the_environment_with_the_contract_defaults():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///checkin.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.default_timezone == "UTC"
    assert settings.default_locale == "en"
    assert settings.socket_mode is False


def test_it_prefers_the_environment_over_the_dotenv_file(tmp_path: Path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nCHECKIN_DEFAULT_LOCALE=zh-CN\nDATABASE_URL=sqlite:///f.db\n")
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///env.db"}, dotenv_path=dotenv)
    assert settings.slack_bot_token == "xoxb-from-file"
    assert settings.default_locale == "zh-CN"
    assert settings.database_url == "sqlite:///env.db"


def test_it_adds_the_trailing_slash_the_web_client_needs():
    assert Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api"}).slack_api_url == "http://127.0.0.1:9/api/"


def test_it_refuses_an_unknown_time_zone_or_locale_by_name():
    with pytest.raises(SettingsError, match="CHECKIN_DEFAULT_TIMEZONE"):
        Settings.from_env({"CHECKIN_DEFAULT_TIMEZONE": "Mars/Olympus"})
    with pytest.raises(SettingsError, match="CHECKIN_DEFAULT_LOCALE"):
        Settings.from_env({"CHECKIN_DEFAULT_LOCALE": "fr"})


def test_it_never_shows_secrets_in_its_repr():
    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "s3cret", "SLACK_APP_TOKEN": "xapp-secret"}
    )
    assert "secret" not in repr(settings)
    assert settings.socket_mode is True


def test_serving_without_a_token_points_at_the_try_out():
    with pytest.raises(SettingsError, match="checkin-bot dev"):
        Settings.from_env({}).require_serving_credentials()


def test_http_mode_needs_the_signing_secret():
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).require_serving_credentials()
