"""SAML 2.0 sign-in per organization, through allauth's SAML provider (python3-saml).

- ``config``: the allauth settings of an organization's IdP (by metadata URL, pasted metadata,
  or entity id + SSO URL + certificate) and the guarded fetch of its metadata;
- ``views`` / ``urls``: the SP metadata, login start and assertion consumer that Hindsight serves
  in place of allauth's (same paths), refusing bad answers with a page and an audit entry;
- ``replay``: the assertion and response ids already used, refused a second time;
- ``attributes``: what the IdP sent, read for the sign-in (email trust, groups, a readable form).
"""
