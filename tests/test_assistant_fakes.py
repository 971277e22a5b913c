"""A fake OpenAI-compatible chat-completions server on loopback, and a review period with records to draft from."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlmodel import select

from storage import cycles
from storage.models import CheckIn, Kudos, Review
from tests.builders import approved_goal, load_org, person

PRIVATE_NOTE = "Private: seems stretched, watch workload"
HR_ONLY = "HR only: salary band question"


class ModelServer:
    """Answers POST /v1/chat/completions with the scripted replies in turn (the last one repeats); records requests.

    A reply is a dict: {"content": str} (a completion), {"status": 500} (an error) or {"delay": seconds, ...}.
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.replies: list[dict] = [{"content": "{}"}]
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                server.requests.append({"path": self.path, "body": body,
                                        "authorization": self.headers.get("Authorization")})
                reply = server.replies[min(len(server.requests) - 1, len(server.replies) - 1)]
                if reply.get("delay"):
                    time.sleep(reply["delay"])  # the model being slow: real time, the client's timeout is real
                status = reply.get("status", 200)
                payload = {"error": {"message": "boom"}} if status != 200 else {
                    "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body.get("model"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": reply.get("content", "")}}],
                    "usage": {"prompt_tokens": reply.get("prompt_tokens", 900),
                              "completion_tokens": reply.get("completion_tokens", 100), "total_tokens": 1000}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> ModelServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sent(self) -> str:
        """Everything the model was sent, as one string, to look for what must not be there."""
        return json.dumps([r["body"] for r in self.requests], ensure_ascii=False)

    def user_message(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"]["messages"][-1]["content"])


@dataclass(frozen=True)
class Period:
    cycle_id: int
    goal_id: int
    checkin_id: int
    kudos_id: int
    self_review_id: int  # 李雷's
    manager_review_id: int  # Ada's of 李雷
    peer_review_id: int  # Alan's of 李雷


def review_period(sessions, clock, emulator=None, *, load: bool = True) -> Period:
    """李雷 (zh-CN) in cycle 2026-H2: a goal, a check-in, kudos from Alan, feedback with private notes from Ada."""
    if load:
        load_org(sessions, now=clock.now(), emulator=emulator)
    goal = approved_goal(sessions, "UEMP2", now=clock.now(), title="发布计费页面", target="4", unit="页")
    with sessions() as session:
        cycle = cycles.open_cycle(session, name="2026-H2", period_start="2026-07-01", period_end="2026-12-31",
                                  self_due="2026-12-04", peer_due="2026-12-09", manager_due="2026-12-16",
                                  team="Platform", now=clock.now())
    with sessions() as session:
        li, ada, alan = person(session, "UEMP2"), person(session, "UMGR1"), person(session, "UEMP1")
        checkin = CheckIn(person_id=li.id, week="2026-W41", submitted_at=datetime(2026, 10, 8, tzinfo=UTC),
                          updated_at=datetime(2026, 10, 8, tzinfo=UTC), confidence=4, highlights="计费页面上线了 3 页",
                          blockers="法务审批卡住了")
        kudos = Kudos(giver_id=alan.id, receiver_id=li.id, message="Thanks for unblocking the release",
                      created_at=datetime(2026, 10, 2, 8, tzinfo=UTC))
        session.add_all([checkin, kudos])
        session.add(Review(kind="weekly_feedback", author_id=ada.id, subject_id=li.id, period="2026-W41",
                           text=None, private_notes=PRIVATE_NOTE, answers={"went_well": "Clear write-up",
                                                                           "to_improve": "Escalate sooner"},
                           submitted_at=datetime(2026, 10, 12, tzinfo=UTC), created_at=datetime(2026, 10, 12,
                                                                                                tzinfo=UTC)))
        session.add(Review(kind="weekly_feedback", author_id=ada.id, subject_id=li.id, period="2026-W42",
                           visibility="hr", answers={"went_well": HR_ONLY},
                           submitted_at=datetime(2026, 10, 19, tzinfo=UTC), created_at=datetime(2026, 10, 19,
                                                                                                tzinfo=UTC)))
        peer = Review(kind="peer", author_id=alan.id, subject_id=li.id, cycle_id=cycle.id, state="requested",
                      created_at=clock.now())
        manager = session.exec(select(Review).where(Review.kind == "manager", Review.subject_id == li.id,
                                                    Review.cycle_id == cycle.id)).first()
        if manager is None:
            manager = Review(kind="manager", author_id=ada.id, subject_id=li.id, cycle_id=cycle.id,
                             state="requested", created_at=clock.now())
        session.add_all([peer, manager])
        session.commit()
        own = session.exec(select(Review).where(Review.kind == "self", Review.subject_id == li.id)).one()
        return Period(cycle.id, goal.id, checkin.id, kudos.id, own.id, manager.id, peer.id)


def answer(fields: dict) -> dict:
    """A scripted completion: the JSON object of fields the model "wrote"."""
    return {"content": json.dumps(fields, ensure_ascii=False)}
