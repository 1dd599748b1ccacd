"""TXT record look-ups for proving an email domain (dnspython), with a time limit.

The resolver is the system's, unless ``settings.DNS_RESOLVER_NAMESERVERS`` names name servers
(``1.1.1.1``, ``127.0.0.1:5353``, ``[::1]:5353``): an installation whose system resolver caches
too long, or a test's name server on loopback."""

import ipaddress

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Seconds one question may take in all (every name server, every retry).
LOOKUP_LIFETIME_SECONDS = 5.0
# Seconds to wait for one name server's answer before asking the next.
QUERY_TIMEOUT_SECONDS = 2.0
DNS_PORT = 53


class DnsLookupError(Exception):
    """The question got no usable answer (a time-out, or every name server failed): the records
    are unknown, which is not the same as absent."""


def txt_records(domain: str) -> list[str]:
    """The TXT records at ``domain`` (the strings of each record joined), ``[]`` when it has
    none or does not exist; ``DnsLookupError`` when the name servers could not say."""
    try:
        resolver = _resolver()
        answer = resolver.resolve(domain, "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.Timeout as exc:
        raise DnsLookupError("The DNS look-up timed out.") from exc
    except dns.exception.DNSException as exc:
        raise DnsLookupError("The DNS look-up failed.") from exc
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def _resolver() -> dns.resolver.Resolver:
    configured = list(getattr(settings, "DNS_RESOLVER_NAMESERVERS", None) or [])
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = [_nameserver(entry) for entry in configured]
    resolver.timeout = QUERY_TIMEOUT_SECONDS
    resolver.lifetime = LOOKUP_LIFETIME_SECONDS
    return resolver


def _nameserver(entry: str) -> dns.nameserver.Do53Nameserver:
    """``address``, ``address:port`` (IPv4) or ``[address]:port`` (IPv6) as a name server."""
    text = entry.strip()
    address, port = text, DNS_PORT
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        if rest.startswith(":"):
            port = _port(entry, rest[1:])
    elif text.count(":") == 1:
        address, _, port_text = text.partition(":")
        port = _port(entry, port_text)
    try:
        ipaddress.ip_address(address)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DNS_RESOLVER_NAMESERVERS: {entry!r} is not an IP address (with an optional port)."
        ) from exc
    return dns.nameserver.Do53Nameserver(address, port)


def _port(entry: str, text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ImproperlyConfigured(f"DNS_RESOLVER_NAMESERVERS: {entry!r} has no valid port.")
    return int(text)
