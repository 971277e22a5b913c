"""The playground's web app: one page to be each person in turn, and a small JSON API its buttons call."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from pydantic import BaseModel, Field
from starlette.middleware.trustedhost import TrustedHostMiddleware

from bot.playground.render import Surface, env, mrkdwn, render_blocks, render_card
from bot.playground.state import CLOCK_MOVES, Playground

STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


class Acting(BaseModel):
    user: str


class CommandIn(Acting):
    line: str = Field(max_length=4000)


class ActionIn(Acting):
    surface: str
    action_id: str
    block_id: str | None = None
    value: str | None = None
    selected_option: str | None = None
    selected_date: str | None = None
    ts: str | None = None
    view_id: str | None = None
    values: dict[str, Any] | None = None


class SubmitIn(Acting):
    view_id: str
    values: dict[str, Any] = Field(default_factory=dict)


class CloseIn(Acting):
    view_id: str


class ClockIn(Acting):
    move: str


class TeamsMessageIn(Acting):
    text: str = Field(max_length=4000)


class TeamsPressIn(Acting):
    data: dict[str, Any]
    index: int = -1
    inputs: dict[str, Any] = Field(default_factory=dict)
    dialog: bool = False


def build_app(playground: Playground, *, allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES) -> FastAPI:
    """Serve the page, the fragment it refreshes, uploaded files and the API; only to loopback host names."""
    app = FastAPI(title="checkin-bot playground", docs_url=None, redoc_url=None, openapi_url=None)
    # A page on another site cannot reach this one through a name that resolves to loopback (DNS rebinding).
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.playground = playground

    def known(user: str) -> str:
        try:
            playground.person(user)
        except KeyError:
            raise HTTPException(404, f"no person {user} in the demo organisation") from None
        return user

    @app.get("/", response_class=HTMLResponse)
    def page(request: Request) -> HTMLResponse:
        user = known(request.query_params.get("as") or default_person(playground))
        return HTMLResponse(env().get_template("page.html.j2").render(**page_context(playground, user)))

    @app.get("/fragment", response_class=HTMLResponse)
    def fragment(request: Request) -> HTMLResponse:
        user = known(request.query_params.get("as") or default_person(playground))
        return HTMLResponse(env().get_template("app.html.j2").render(**page_context(playground, user)))

    @app.get("/files/{file_id}")
    def file(file_id: str) -> Response:
        upload = playground.world.emulator.uploaded_files.get(file_id)
        if upload is None:
            raise HTTPException(404, "no such file")
        kind = "image/png" if upload.filename.lower().endswith(".png") else "application/octet-stream"
        disposition = "inline" if kind.startswith("image/") else f'attachment; filename="{upload.filename}"'
        return Response(upload.content, media_type=kind, headers={"Content-Disposition": disposition})

    @app.get("/api/state")
    def state(request: Request) -> dict:
        """What one person sees, as data: their DMs, App Home, open modal and Teams chat; and what just happened."""
        user = known(request.query_params.get("as") or default_person(playground))
        with playground.lock:
            modal = playground.modal(user)
            return {
                "person": playground.person(user).__dict__,
                "now": playground.world.clock.now().isoformat(),
                "slack": [_plain_entry(entry) for entry in playground.slack_chat(user)],
                "home": playground.home(user),
                "modal": None if modal is None else {"view": modal.view, "errors": modal.errors,
                                                     "values": modal.values},
                "teams": [_plain_entry(entry) for entry in playground.teams_chat(user)],
                "teams_dialog": playground.teams_dialogs.get(user),
                "happened": playground.happened(),
            }

    @app.post("/api/command")
    def command(body: CommandIn) -> dict:
        playground.command(known(body.user), body.line)
        return answer(playground)

    @app.post("/api/home")
    def home(body: Acting) -> dict:
        playground.open_home(known(body.user))
        return answer(playground)

    @app.post("/api/action")
    def action(body: ActionIn) -> dict:
        try:
            playground.act(known(body.user), surface=body.surface, action_id=body.action_id, block_id=body.block_id,
                           value=body.value, selected_option=body.selected_option, selected_date=body.selected_date,
                           ts=body.ts, view_id=body.view_id, values=body.values)
        except (LookupError, ValueError) as exc:
            raise HTTPException(409, str(exc)) from None
        return answer(playground)

    @app.post("/api/submit")
    def submit(body: SubmitIn) -> dict:
        try:
            reply = playground.submit(known(body.user), body.view_id, body.values)
        except (LookupError, ValueError) as exc:
            raise HTTPException(409, str(exc)) from None
        return {**answer(playground), "reply": reply}

    @app.post("/api/close")
    def close(body: CloseIn) -> dict:
        try:
            playground.close(known(body.user), body.view_id)
        except LookupError as exc:
            raise HTTPException(409, str(exc)) from None
        return answer(playground)

    @app.post("/api/clock")
    def clock(body: ClockIn) -> dict:
        if body.move not in CLOCK_MOVES:
            raise HTTPException(422, f"move is one of {', '.join(CLOCK_MOVES)}")
        moved_to = playground.move_clock(known(body.user), body.move)
        return {**answer(playground), "now": moved_to.isoformat()}

    @app.post("/api/replay")
    def replay() -> dict:
        title = playground.replay_next_scene()
        return {**answer(playground), "scene": title}

    @app.post("/api/teams/install")
    def teams_install(body: Acting) -> dict:
        playground.teams_install(teams_user(playground, known(body.user)))
        return answer(playground)

    @app.post("/api/teams/message")
    def teams_message(body: TeamsMessageIn) -> dict:
        playground.teams_message(teams_user(playground, known(body.user)), body.text)
        return answer(playground)

    @app.post("/api/teams/press")
    def teams_press(body: TeamsPressIn) -> dict:
        playground.teams_press(teams_user(playground, known(body.user)), body.data, index=body.index,
                               inputs=body.inputs, dialog=body.dialog)
        return answer(playground)

    @app.post("/api/teams/close")
    def teams_close(body: Acting) -> dict:
        playground.teams_close(known(body.user))
        return answer(playground)

    return app


def teams_user(playground: Playground, user: str) -> str:
    if user not in playground.world.teams_users:
        raise HTTPException(409, f"{playground.person(user).name} does not use Microsoft Teams in the demo")
    return user


def default_person(playground: Playground) -> str:
    """Start as the first employee: their week is the one to see first."""
    return next((p.slack_id for p in playground.people if p.role == "employee"), playground.people[0].slack_id)


def answer(playground: Playground) -> dict:
    return {"ok": True, "happened": playground.happened()}


def _plain_entry(entry: dict) -> dict:
    return {key: (value.isoformat() if isinstance(value, datetime) else value) for key, value in entry.items()}


def message_html(message: dict, surface: Surface) -> Markup:
    """A message as Slack shows it: its blocks, or its text when it has none."""
    if message.get("blocks"):
        return render_blocks(message["blocks"], surface)
    return mrkdwn(message.get("text", ""), surface.names)


def page_context(playground: Playground, user: str) -> dict:
    """Everything the page shows for one person, rendered."""
    with playground.lock:
        person = playground.person(user)
        names = playground.names
        people = [(p.slack_id, p.name) for p in playground.people if p.slack_id != "U0GUEST001"]
        now = playground.world.clock.now()
        chat = []
        for entry in playground.slack_chat(user):
            if entry["kind"] == "file":
                chat.append(entry)
                continue
            message = entry["message"]
            surface = Surface("message", ts=message.get("ts", ""), names=names, people=people)
            chat.append({**entry, "html": message_html(message, surface), "edited": bool(message.get("edited"))})
        home = playground.home(user)
        home_html = render_blocks(home.get("blocks", []), Surface("home", view_id=home["id"], names=names,
                                                                   people=people)) if home else None
        modal = playground.modal(user)
        modal_html = None
        if modal is not None:
            modal_html = render_blocks(modal.view.get("blocks", []), Surface(
                "modal", view_id=modal.view.get("id", ""), names=names, people=people, values=modal.values,
                errors=modal.errors, options=modal.options))
        teams = []
        for entry in playground.teams_chat(user):
            if entry["kind"] == "bot":
                text = entry["activity"].get("text") or ""
                cards = [render_card(card, where="chat", index=entry["index"]) for card in entry["cards"]]
                teams.append({**entry, "text": text, "cards_html": cards})
            else:
                teams.append(entry)
        dialog = playground.teams_dialogs.get(user)
        return {
            "person": person,
            "people": playground.people,
            "now": now,
            "local_now": now.astimezone(person.zone),
            "chat": chat,
            "home_html": home_html,
            "modal": modal,
            "modal_html": modal_html,
            "is_teams_user": user in playground.world.teams_users,
            "teams_installed": user in playground.teams_installed,
            "teams": teams,
            "teams_dialog_html": render_card(dialog, where="dialog") if dialog else None,
            "happened": playground.happened(),
            "names": names,
            "scenes": playground.scenes(),
            "scene": playground.scene,
        }
