"""Email domains as typed by people: one spelling (lower case, punycode, no trailing dot) and the
public mail domains no organization may claim. Pure functions, no database."""

import re

from django.core.exceptions import ValidationError

MAX_DOMAIN_LENGTH = 253
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

# Mailboxes anyone can open: claiming one would route strangers to an organization's provider.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "hey.com",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "yahoo.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
    }
)


def normalize_domain(value: str) -> str:
    """``value`` as a domain name (``Example.COM.`` → ``example.com``; ``bücher.de`` →
    ``xn--bcher-kva.de``), or ``ValidationError`` saying what is wrong with it."""
    domain = (value or "").strip().lower().rstrip(".")
    if not domain:
        raise ValidationError("Enter a domain, such as example.com.", code="required")
    if "\x00" in domain:
        raise ValidationError("Null characters are not allowed.", code="null_characters")
    if "@" in domain:
        raise ValidationError(
            "Enter the domain only (the part after the @), such as example.com.", code="email"
        )
    if len(domain) > MAX_DOMAIN_LENGTH * 2:  # not worth encoding
        raise ValidationError(_too_long(), code="max_length")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValidationError(_not_a_domain(), code="invalid") from exc
    if len(domain) > MAX_DOMAIN_LENGTH:
        raise ValidationError(_too_long(), code="max_length")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValidationError(_not_a_domain(), code="invalid")
    if labels[-1].isdigit():  # an IP address is not a mail domain
        raise ValidationError(_not_a_domain(), code="invalid")
    return domain


def domain_of_email(email: str) -> str | None:
    """The normalized domain of an email address, or ``None`` when it has none."""
    local, at, domain = (email or "").strip().rpartition("@")
    if not at or not local:
        return None
    try:
        return normalize_domain(domain)
    except ValidationError:
        return None


def is_public_mail_domain(domain: str) -> bool:
    return domain in PUBLIC_MAIL_DOMAINS


def _not_a_domain() -> str:
    return "Enter a domain name, such as example.com (letters, digits and hyphens)."


def _too_long() -> str:
    return f"A domain has at most {MAX_DOMAIN_LENGTH} characters."
