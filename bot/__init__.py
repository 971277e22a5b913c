"""checkin-bot: settings, app factory, server, CLI and wiring."""
