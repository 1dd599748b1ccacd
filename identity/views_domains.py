"""The organization's email domains (admins): add one, prove it with a DNS TXT record, remove
it. A verified domain sends sign-ins with an address there to the organization's provider."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from organizations.decorators import require_action
from organizations.lookups import object_from_url
from organizations.roles import Action

from . import selectors_domains, services_domains
from .forms_domains import EmailDomainForm


@require_http_methods(["GET", "POST"])
@require_action(Action.MANAGE_ORGANIZATION)
def domain_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = EmailDomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            email_domain = services_domains.domain_add(
                organization=request.organization,
                actor=request.user,
                domain=form.cleaned_data["domain"],
            )
        except services_domains.DomainRefused as refused:
            form.add_error("domain", str(refused))
        else:
            messages.success(
                request,
                f"{email_domain.domain} is added. Create its TXT record, then check it.",
            )
            return redirect("settings_domains", org_slug=request.organization.slug)
    domains = [
        (email_domain, selectors_domains.verification_record(email_domain))
        for email_domain in selectors_domains.domains_of(request.organization)
    ]
    return render(
        request,
        "identity/settings/domains.html",
        {"form": form, "domains": domains},
        status=400 if form.errors else 200,
    )


# Another organization's domain (or none with that id) is a 404, whatever the method.
domain_from_id = object_from_url(
    "domain_id",
    lambda request, pk: selectors_domains.domain_in(request.organization, pk),
    missing="No such domain.",
)


@require_action(Action.MANAGE_ORGANIZATION)
@domain_from_id
def domain_check(request: HttpRequest, email_domain) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    check = services_domains.domain_check(email_domain=email_domain, actor=request.user)
    (messages.success if check.verified else messages.error)(request, check.message)
    return redirect("settings_domains", org_slug=request.organization.slug)


@require_action(Action.MANAGE_ORGANIZATION)
@domain_from_id
def domain_remove(request: HttpRequest, email_domain) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services_domains.domain_remove(email_domain=email_domain, actor=request.user)
    messages.success(request, f"{email_domain.domain} is removed.")
    return redirect("settings_domains", org_slug=request.organization.slug)
