"""Who may use the dashboards' server, checked before every request.

- **Login** whenever the server listens on anything but loopback: HTTP Basic with a configured
  user whose password hash matches (`[server] users = ["name:<werkzeug hash>"]`), or the token
  held in the env var `[server] token_env` names (as a Bearer token, or as the Basic password
  with any user name). Without either, a non-loopback bind is refused at start.
- **The public box** (`/api/most-popular`, `/embed/most-popular`) stays anonymous when
  `[server] public_box` is true, so it can be exposed on its own while everything else needs
  the login.
- **DNS rebinding**: a request that changes state or queries the store (every POST: Dash
  callbacks, `/api/sql`, `/api/named`, `/api/track`, `/api/untrack`) is refused unless its Host
  names this server (loopback names, an IP literal, the bind address or `[server]
  allowed_hosts`) and its Origin, when sent, is the same host. A page on evil.example whose name
  was rebound to 127.0.0.1 sends `Host: evil.example` and gets 403.

Make a password hash with `python -m tracker.owner.access hash` (prompts, prints `name:hash`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, Response, g, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.errors import ConfigError
from tracker.secrets import Secret

PUBLIC_PATHS = frozenset({"/api/most-popular", "/embed/most-popular"})
_QUERY_PATHS = frozenset({"/api/sql", "/api/named", "/api/track", "/api/untrack"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
REALM = "virality tracker"


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, localhost: only this machine can connect."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _hostname(value: str) -> str:
    """Host header 'Example.org:8050' -> 'example.org'; '[::1]:8050' -> '::1'."""
    try:
        return (urlsplit("//" + value).hostname or "").lower()
    except ValueError:
        return ""


def _origin_hostname(origin: str) -> str:
    """Origin header 'http://example.org:8050' -> 'example.org'."""
    try:
        return (urlsplit(origin).hostname or "").lower()
    except ValueError:
        return ""


@dataclass(frozen=True)
class Access:
    """The policy for one server."""

    bind_host: str
    users: Mapping[str, str]  # name -> werkzeug password hash
    token: Secret | None = None
    public_box: bool = True
    allowed_hosts: Sequence[str] = ()

    @property
    def login_required(self) -> bool:
        return not is_loopback(self.bind_host)

    @classmethod
    def from_settings(
        cls,
        bind_host: str,
        users: Sequence[str] = (),
        token_env: str = "",
        public_box: bool = True,
        allowed_hosts: Sequence[str] = (),
        environ: Mapping[str, str] | None = None,
    ) -> Access:
        """Build the policy from `[server]` settings; a non-loopback bind without any way to log
        in is a ConfigError (we never serve the dashboards to the network unprotected)."""
        parsed: dict[str, str] = {}
        for entry in users:
            name, sep, hashed = entry.partition(":")
            if not sep or not name or (":" not in hashed and "$" not in hashed):
                raise ConfigError(
                    "server.users entries must be 'name:<password hash>' (make one with "
                    "`python -m tracker.owner.access hash`)"
                )
            parsed[name] = hashed
        source = os.environ if environ is None else environ
        value = source.get(token_env, "").strip() if token_env else ""
        token = Secret(value, token_env) if value else None
        policy = cls(bind_host, parsed, token, public_box, tuple(h.lower() for h in allowed_hosts))
        if policy.login_required and not parsed and token is None:
            raise ConfigError(
                f"listening on {bind_host} makes the dashboards reachable from the network: set the "
                f"env var {token_env or 'named by server.token_env'} to a login token or add "
                "server.users, or listen on 127.0.0.1"
            )
        return policy

    # -- checks -------------------------------------------------------------------------------

    def own_host(self, name: str) -> bool:
        """Is this host name (from the Host or Origin header) one of this server's own names?"""
        if not name:
            return False
        if is_loopback(name) or _is_ip(name):
            return True  # a rebinding attack needs a DNS name; an IP literal is not one
        return name == self.bind_host.lower() or name in self.allowed_hosts

    def user(self) -> str | None:
        """The caller's name if the request carries valid credentials."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and self.token is not None:
            return "token" if hmac.compare_digest(value.strip(), self.token.reveal()) else None
        if scheme.lower() != "basic":
            return None
        try:
            name, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if name in self.users and check_password_hash(self.users[name], password):
            return name
        if self.token is not None and hmac.compare_digest(password, self.token.reveal()):
            return name or "token"
        return None

    def check(self) -> Response | None:
        """Refuse the current request, or None to let it through."""
        path = request.path
        if request.method not in ("GET", "HEAD", "OPTIONS") or path in _QUERY_PATHS:
            host = _hostname(request.host)
            origin = request.headers.get("Origin")
            if not self.own_host(host):
                return _refuse("this request's Host is not this server", 403)
            if origin is not None and _origin_hostname(origin) != host:
                return _refuse("this request's Origin is not this server", 403)
        g.tracker_user = self.user()
        if not self.login_required or g.tracker_user is not None:
            return None
        if self.public_box and path in PUBLIC_PATHS:
            return None
        response = _refuse("log in to use the dashboards", 401)
        response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response

    def install(self, server: Flask) -> None:
        """Check every request to `server` (its routes and any added later)."""
        server.before_request(self.check)

        @server.after_request
        def no_framing(response: Response) -> Response:
            # The dashboards are never framed by another site (clickjacking); the embed is.
            if request.path not in PUBLIC_PATHS:
                response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            return response


def _refuse(message: str, status: int) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


def authenticated() -> bool:
    """Did the current request log in (for answers that say more to known callers)?"""
    return bool(g.get("tracker_user"))


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tracker.owner.access hash`: prompt for a user and password, print the config entry."""
    import getpass
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if args != ["hash"]:
        print("usage: python -m tracker.owner.access hash", file=sys.stderr)
        return 2
    name = input("user name: ").strip()
    password = getpass.getpass("password: ")
    if not name or ":" in name or len(password) < 8:
        print("a user name without ':' and a password of at least 8 characters, please", file=sys.stderr)
        return 2
    print(f'users = ["{name}:{generate_password_hash(password)}"]')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
