"""Secrets as Docker and Kubernetes mount them: NAME_FILE names a file holding the secret."""

from pathlib import Path

import pytest

from bot.settings import SECRET_VARIABLES, Settings, SettingsError

SECRET = "xoxb-1234-from-a-file"


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


@pytest.mark.parametrize(("variable", "attribute"), [
    ("SLACK_BOT_TOKEN", "slack_bot_token"),
    ("SLACK_SIGNING_SECRET", "slack_signing_secret"),
    ("SLACK_APP_TOKEN", "slack_app_token"),
    ("DATABASE_URL", "database_url"),
])
def test_it_reads_a_secret_from_the_file_named_by_its_FILE_variable(tmp_path, variable, attribute):
    settings = Settings.from_env({f"{variable}_FILE": write(tmp_path, "secret", SECRET + "\n")})
    assert getattr(settings, attribute) == SECRET  # the trailing newline an editor or `echo` adds is dropped


def test_it_reads_the_teams_client_secret_from_a_file(tmp_path):
    settings = Settings.from_env({"TEAMS_CLIENT_ID": "app", "TEAMS_TENANT_ID": "tenant",
                                  "TEAMS_CLIENT_SECRET_FILE": write(tmp_path, "teams", "s3cret~value\r\n")})
    assert settings.teams_client_secret == "s3cret~value"
    assert settings.teams_enabled


def test_every_secret_the_contract_names_may_come_from_a_file():
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL", "TEAMS_CLIENT_SECRET",
            "CHECKIN_AI_API_KEY"} <= set(SECRET_VARIABLES)


def test_it_reads_FILE_variables_from_the_dotenv_file_too(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SLACK_BOT_TOKEN_FILE={write(tmp_path, 'token', SECRET)}\n")
    assert Settings.from_env({}, dotenv_path=dotenv).slack_bot_token == SECRET


def test_it_refuses_a_secret_given_both_directly_and_as_a_file(tmp_path):
    environ = {"SLACK_BOT_TOKEN": "xoxb-direct", "SLACK_BOT_TOKEN_FILE": write(tmp_path, "token", SECRET)}
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set") as refusal:
        Settings.from_env(environ)
    assert "xoxb-direct" not in str(refusal.value) and SECRET not in str(refusal.value)


@pytest.mark.parametrize("problem", ["missing", "a folder", "not UTF-8", "empty"])
def test_it_names_the_variable_of_an_unusable_secret_file_and_never_shows_its_content(tmp_path, problem):
    path = {
        "missing": str(tmp_path / "nowhere"),
        "a folder": str(tmp_path),
        "not UTF-8": write(tmp_path, "latin1", "xoxb-caf\xe9".encode("latin-1")),
        "empty": write(tmp_path, "empty", "\n"),
    }[problem]
    with pytest.raises(SettingsError) as refusal:
        Settings.from_env({"SLACK_BOT_TOKEN_FILE": path})
    message = str(refusal.value)
    assert message.startswith("SLACK_BOT_TOKEN_FILE: ") and path in message
    assert "xoxb" not in message
    error = refusal.value  # no chained error (a decode error quotes the bytes) rides along in a traceback
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_the_database_url_is_kept_out_of_the_settings_repr():
    settings = Settings.from_env({"DATABASE_URL": "postgresql+psycopg://bot:hunter22@db/checkin"})
    assert "hunter22" not in repr(settings)


def test_the_log_format_is_text_or_json():
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"CHECKIN_LOG_FORMAT": "JSON"}).log_format == "json"
    with pytest.raises(SettingsError, match="CHECKIN_LOG_FORMAT"):
        Settings.from_env({"CHECKIN_LOG_FORMAT": "xml"})


def test_upgrade_on_start_is_an_on_off_switch():
    assert Settings.from_env({}).upgrade_on_start is False
    assert Settings.from_env({"CHECKIN_UPGRADE_ON_START": "1"}).upgrade_on_start is True
    assert Settings.from_env({"CHECKIN_UPGRADE_ON_START": "false"}).upgrade_on_start is False
    with pytest.raises(SettingsError, match="CHECKIN_UPGRADE_ON_START"):
        Settings.from_env({"CHECKIN_UPGRADE_ON_START": "sometimes"})
