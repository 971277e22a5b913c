"""The Bot Framework's signing keys on loopback: OpenID metadata, a JWKS, and tokens signed with a local RSA key."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from bot.teams_emulator.loopback import LoopbackService, Reply, Request, json_reply

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"  # the `iss` of tokens the Bot Connector sends to bots
OPENID_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
TOKEN_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair and the key id (`kid`) tokens signed with it name."""

    kid: str
    private_key: RSAPrivateKey

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"emulated-{secrets.token_hex(8)}", private_key)

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def jwk(self) -> dict[str, Any]:
        """Return the public half as the Bot Framework publishes it."""
        public = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}


class KeyServer(LoopbackService):
    """login.botframework.com on loopback: the OpenID metadata document and the keys it points at.

    Point the Teams SDK's cloud environment at `openid_metadata_url`; it validates every incoming token with
    the keys served here, exactly as it does against Microsoft's.
    """

    name = "teams-key-server"

    def __init__(self, *, now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.signing_key = SigningKey.generate()
        self._now = now
        self._lock = threading.Lock()
        self._fetches: list[str] = []

    @property
    def openid_metadata_url(self) -> str:
        return f"{self.base_url}{OPENID_PATH}"

    @property
    def jwks_uri(self) -> str:
        return f"{self.base_url}{KEYS_PATH}"

    @property
    def fetches(self) -> list[str]:
        """Return the paths fetched so far, oldest first."""
        with self._lock:
            return list(self._fetches)

    def route(self, request: Request) -> Reply:
        with self._lock:
            self._fetches.append(request.path)
        if request.method != "GET":
            return json_reply(405, {"error": "method not allowed"})
        if request.path == OPENID_PATH:
            return json_reply(200, {
                "issuer": BOT_FRAMEWORK_ISSUER,
                "authorization_endpoint": "https://invalid.botframework.com",
                "jwks_uri": self.jwks_uri,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            })
        if request.path == KEYS_PATH:
            return json_reply(200, {"keys": [self.signing_key.jwk()]})
        return json_reply(404, {"error": "not found"})

    def token(
        self,
        *,
        audience: str,
        service_url: str | None,
        key: SigningKey | None = None,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        lifetime: int | None = TOKEN_LIFETIME_SECONDS,
    ) -> str:
        """Mint a token as the Bot Connector sends with each activity; `key` other than ours mis-signs it.

        A negative `lifetime` has expired already; `lifetime=None` leaves out `exp`: a token that never expires,
        which the Bot Connector never sends.
        """
        now = int(self._now())
        claims: dict[str, Any] = {"iss": issuer, "aud": audience, "nbf": now - 5, "iat": now - 5}
        if lifetime is not None:
            claims["exp"] = now + lifetime
        if service_url is not None:
            claims["serviceurl"] = service_url
        return (key or self.signing_key).sign(claims)

    def forged_key(self) -> SigningKey:
        """Return another RSA key that claims our key id: its tokens name a published key but fail its check."""
        return SigningKey.generate(self.signing_key.kid)
