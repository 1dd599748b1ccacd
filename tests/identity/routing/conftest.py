"""Fixtures of the routing tests: organizations with live identity providers (a real OpenID
Connect provider and a real SAML IdP on loopback), verified email domains, and a real DNS
server on loopback answering TXT questions."""

import socket
import threading

import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from dns.rdtypes.ANY.TXT import TXT

from identity.models import IdentityProvider

from .helpers import (
    ACME_CALLBACK,
    ACME_CLIENT_ID,
    ACME_CLIENT_SECRET,
    oidc_identity_provider,
    saml_identity_provider,
)


@pytest.fixture
def admin_client(client, admin_user):
    """The test client, signed in as an admin of Acme."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def acme_oidc(org, oidc_provider) -> IdentityProvider:
    """Acme signs in through the real OpenID Connect provider (live), which knows Hindsight's
    callback for Acme."""
    oidc_provider.add_client(ACME_CLIENT_ID, ACME_CLIENT_SECRET, [ACME_CALLBACK])
    return oidc_identity_provider(org, oidc_provider.issuer)


@pytest.fixture
def globex_saml(other_org, saml_idp) -> IdentityProvider:
    """Globex signs in through the real SAML IdP (live)."""
    return saml_identity_provider(
        other_org,
        idp_entity_id=saml_idp.entity_id,
        idp_sso_url=saml_idp.sso_url,
        idp_certificate=saml_idp.certificate_pem,
    )


class TxtNameServer:
    """A DNS server on a loopback UDP port answering TXT questions from ``records`` (name →
    its TXT records, each a string or a tuple of the strings it is split into); an unknown
    name is NXDOMAIN, and ``failing`` answers SERVFAIL."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.failing = False
        self.questions: list[tuple[str, str]] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> "TxtNameServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            self._socket.sendto(self._answer(dns.message.from_wire(wire)).to_wire(), client)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.questions.append((name, dns.rdatatype.to_text(question.rdtype)))
        if self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT and self.records[name]:
            rrset = dns.rrset.RRset(question.name, dns.rdataclass.IN, dns.rdatatype.TXT)
            for record in self.records[name]:
                strings = (record,) if isinstance(record, str) else record
                rrset.add(TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings), ttl=300)
            response.answer.append(rrset)
        return response


@pytest.fixture
def name_server(settings):
    """The real DNS server Hindsight's TXT look-ups ask (``DNS_RESOLVER_NAMESERVERS``)."""
    server = TxtNameServer().start()
    settings.DNS_RESOLVER_NAMESERVERS = [f"127.0.0.1:{server.port}"]
    yield server
    server.stop()
