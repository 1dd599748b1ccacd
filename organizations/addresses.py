"""Which addresses Hindsight may call out to: https only, no credentials in the URL, and no
private or local network (a host that is, or resolves to, a non-global address), except the
hosts an operator lists for that purpose (``WEBHOOK_INSECURE_HOSTS`` for chat webhooks,
``SSO_INSECURE_HOSTS`` for identity providers; tests list loopback)."""

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


def private_ip(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_global
    except ValueError:
        return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def address_problem(url: str, *, allowed_hosts: Iterable[str], https_reason: str) -> str | None:
    """Why Hindsight would not call ``url`` (None when it would), from the URL alone."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return "Enter a valid URL."
    host = (parts.hostname or "").lower()
    exempt = host in {name.lower() for name in allowed_hosts}
    if parts.scheme != "https" and not (exempt and parts.scheme == "http"):
        return f"Use an https:// address: {https_reason}"
    if not host:
        return "Enter a valid URL."
    if parts.username or parts.password:
        return "Leave the user name and password out of the address."
    if not exempt and private_ip(host):
        return "Use a public address: Hindsight does not call private or local networks."
    return None


def resolution_problem(url: str, *, allowed_hosts: Iterable[str]) -> str | None:
    """Refuse a host that resolves to a private address (unless allowed)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in {name.lower() for name in allowed_hosts}:
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"Could not resolve {host}: {exc}"
    for *_, sockaddr in infos:
        if private_ip(str(sockaddr[0])):
            return f"Refused: {host} resolves to a private address."
    return None
