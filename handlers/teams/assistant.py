"""The assistant as a Teams dialog may use it: a model call that ends in time for Teams' invoke limit.

Teams waits about 15 seconds for a dialog's answer, while the model's own timeout (CHECKIN_AI_TIMEOUT_SECONDS, with
the client's retries) may be longer. A call made while an invoke waits therefore gets at most `INVOKE_MODEL_SECONDS`
(or the configured timeout, if shorter), and past it reads as the model's timeout: the action shows its notice
and the dialog comes back usable. The late answer is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions.assistant import Assistant

if TYPE_CHECKING:
    from bot.deps import Deps

INVOKE_MODEL_SECONDS = 8.0


def invoke_assistant(deps: Deps) -> Assistant | None:
    """The configured assistant, its model answering within min(the configured timeout, INVOKE_MODEL_SECONDS)."""
    assistant = deps.assistant
    if assistant is None:
        return None
    return assistant.within(min(deps.settings.ai_timeout_seconds, INVOKE_MODEL_SECONDS))
