"""Teams is configured by TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID, all three or none."""

import pytest

from bot.settings import Settings, SettingsError

TEAMS = {"TEAMS_CLIENT_ID": "app-id", "TEAMS_CLIENT_SECRET": "s3cret-value", "TEAMS_TENANT_ID": "tenant-id"}


def test_teams_is_off_by_default():
    assert Settings.from_env({}).teams_enabled is False


def test_teams_is_on_with_all_three_settings_and_its_secret_never_shows():
    settings = Settings.from_env(TEAMS)
    assert settings.teams_enabled is True
    assert (settings.teams_client_id, settings.teams_tenant_id) == ("app-id", "tenant-id")
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("missing", list(TEAMS))
def test_half_a_teams_configuration_is_refused_by_name(missing):
    with pytest.raises(SettingsError, match=missing) as refused:
        Settings.from_env({k: v for k, v in TEAMS.items() if k != missing})
    assert "s3cret" not in str(refused.value)
