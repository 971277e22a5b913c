"""What a person can do, written once for every chat surface.

One function per action (`checkins.check_in`, `checkins.snooze_reminder`, `checkins.reply_to_checkin`, ...)
takes a session, who asks (`Asked`) and the parsed form, and returns an `Outcome`: errors per field, or what to
show the asker and whom to tell what. Permissions, validation and notices are decided here; Slack's and Teams'
listeners only translate their payloads in and the outcome out. Nothing here imports Bolt, the Teams SDK, `bot`,
`handlers` or `scheduler`.
"""
