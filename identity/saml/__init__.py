"""SAML 2.0 sign-in per organization, through allauth's SAML provider (python3-saml).

- ``config``: the allauth settings of an organization's IdP (entity id, SSO URL, certificate;
  read again from its metadata URL when it has one) and the attributes Hindsight reads;
- ``views`` / ``urls``: the SP metadata, login start and end of the assertion consumer that
  Hindsight serves in place of allauth's (same paths), refusing bad answers (``refusals``);
- ``replay``: the response and assertion ids already used, refused a second time;
- ``emails``: which addresses from an answer count as verified.

After a valid answer the sign-in goes on as any company sign-in: ``identity.sso_login``
(test round trip, refusals) and ``identity.services_sso.admit`` (just-in-time membership).
"""
