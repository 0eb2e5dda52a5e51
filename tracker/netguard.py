"""Which addresses the tracker may reach or track: a feed, a redirect or a pasted URL must not
make it fetch (or store as an article) a loopback, link-local, private or otherwise
non-public address, unless the configuration says so for that site.

Hosts are checked in every spelling an HTTP stack accepts: `127.0.0.1`, `2130706433`,
`0x7f.1`, `017700000001`, `[::1]`, `[::ffff:127.0.0.1]`, `localhost`. Names are resolved
(all their addresses must be public) just before a request. A name that resolves to a public
address for the check and a private one a second later (DNS rebinding) cannot slip through a
public-only client: `tracker.http.PublicAddressTransport` resolves once, vets every address
with these functions and connects to the vetted one (Host header, TLS SNI and certificate
check still name the host), so there is no second lookup to rebind.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], list[str]]


def literal_address(host: str) -> IPAddress | None:
    """The IP address a host *literal* names (any legacy IPv4 spelling included), else None."""
    name = host.strip().strip("[]").rstrip(".")
    if not name:
        return None
    try:
        return ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        pass
    if all(part and (part.isdigit() or part.lower().startswith("0x")) for part in name.split(".")):
        try:  # inet_aton reads "2130706433", "0x7f.1", "127.1" and octal parts as getaddrinfo does
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return None
    return None


def non_public(address: IPAddress) -> str | None:
    """Why an address is not on the public internet (None when it is)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for label, flag in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return label
    return None


def is_local_name(host: str) -> bool:
    name = host.strip().rstrip(".").lower()
    return name == "localhost" or name.endswith((".localhost", ".local", ".internal"))


def literal_problem(host: str) -> str | None:
    """Why a host, read without DNS, is not public: a non-public IP literal or a local name."""
    if is_local_name(host):
        return f"{host} is a local name"
    address = literal_address(host)
    reason = non_public(address) if address is not None else None
    return f"{host} is a {reason} address ({address})" if reason else None


def resolve_all(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


def host_problem(host: str, resolve: Resolver = resolve_all) -> str | None:
    """Why fetching `host` would reach a non-public address (resolving names), else None."""
    problem = literal_problem(host)
    if problem or literal_address(host) is not None:
        return problem
    try:
        addresses = resolve(host)
    except OSError as exc:
        return f"{host} does not resolve ({exc.strerror or exc})"
    for text in addresses:
        reason = non_public(ipaddress.ip_address(text.split("%", 1)[0]))
        if reason:
            return f"{host} resolves to a {reason} address ({text})"
    return None


def host_of(url_host: str | None) -> str:
    return (url_host or "").strip("[]").rstrip(".").lower()


def hosts(urls: Iterable[str]) -> set[str]:
    found = set()
    for url in urls:
        try:
            name = host_of(urlsplit(url).hostname)
        except ValueError:
            continue
        if name:
            found.add(name)
    return found
