"""“Try mapping” reads a pasted sample with the mapping as typed and shows what each path found
and the event it would make (or why a delivery like it would be quarantined); it writes nothing."""

import json

from django_scopes import scopes_disabled

from incidents.models import Incident
from integrations.generic.models import FieldMapping
from integrations.intake.models import InboundDelivery, SourceKind
from integrations.pagers.models import PagerEntry, PagerIncident
from organizations.models import AuditEntry
from tests.integrations.conftest import make_endpoint

from .conftest import form_data, tool_event

HTMX = {"HTTP_HX_REQUEST": "true"}


def try_url(hook) -> str:
    return f"/o/acme/settings/integrations/endpoints/{hook.pk}/mapping/try/"


def nothing_written(hook, before) -> bool:
    return (
        FieldMapping.objects.values().get(endpoint=hook) == before
        and not Incident.objects.exists()
        and not PagerIncident.objects.exists()
        and not PagerEntry.objects.exists()
        and not AuditEntry.objects.filter(action="integration.mapping_saved").count() > 1
    )


def test_a_good_sample_shows_each_value_and_the_event(client, admin_user, generic, engineer):
    hook, _ = generic
    before = FieldMapping.objects.values().get(endpoint=hook)
    client.force_login(admin_user)
    sample = json.dumps(tool_event("firing"), indent=2)

    response = client.post(try_url(hook), form_data(sample=sample), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="mapping-try"')  # the partial only
    assert "A delivery like this would be applied</strong>: triggered of incident" in html
    assert "<code>$.alerts[0].labels.service</code>" in html
    assert '<code class="mapping-found__value">&quot;checkout&quot;</code>' in html
    assert "&quot;engineer@example.com&quot;, &quot;stranger@example.com&quot;" in html
    assert "<dt>Service</dt><dd>checkout</dd>" in html
    assert '<dt>Event id</dt><dd><code class="mapping-found__value">evt-firing-5</code>' in html
    assert '<dt>Severity</dt><dd>SEV1 <span class="muted">(level “P1”)</span>' in html
    assert f"(members: {engineer.get_full_name()})" in html
    assert nothing_written(hook, before)


def test_the_mapping_as_typed_is_tried_not_the_saved_one(client, admin_user, generic):
    hook, _ = generic
    client.force_login(admin_user)
    typed = form_data(
        sample=json.dumps(tool_event("firing")),
        title_path="$.message",
        event_id_path="",
        severity_map="p1 = SEV2",
    )
    trial = client.post(try_url(hook), typed).context["trial"]
    assert trial.event.title == "Error rate above 5% for 10 minutes"
    assert len(trial.event.event_id) == 64  # a hash of the body
    assert trial.severity == "SEV2"
    assert FieldMapping.objects.get(endpoint=hook).title_path == "$.incident.title"


def test_a_path_that_finds_nothing_is_shown_and_the_reason_given(client, admin_user, generic):
    hook, _ = generic
    client.force_login(admin_user)
    body = tool_event("firing")
    del body["incident"]
    response = client.post(try_url(hook), form_data(sample=json.dumps(body)))

    html = response.content.decode()
    reason = "Incident id ($.incident.id) found nothing in the body."
    assert response.status_code == 200
    assert f"A delivery like this would be quarantined.</strong> {reason}" in html
    assert html.count("found nothing</span>") == 3  # incident id, title, URL
    assert response.context["trial"].event is None


def test_an_unknown_service_is_told_without_opening_anything(client, admin_user, generic):
    hook, _ = generic
    before = FieldMapping.objects.values().get(endpoint=hook)
    client.force_login(admin_user)
    body = tool_event("firing")
    body["alerts"][0]["labels"]["service"] = "billing"
    response = client.post(try_url(hook), form_data(sample=json.dumps(body)), **HTMX)
    assert "Unknown service “billing” (from Service ($.alerts[0].labels.service))" in (
        response.content.decode()
    )
    assert nothing_written(hook, before)


def test_a_malformed_sample_is_a_400_naming_the_field(client, admin_user, generic):
    hook, _ = generic
    client.force_login(admin_user)
    for sample, says in [
        ('{"incident": ', "The sample is not JSON: Expecting value: line 1 column 13"),
        ("[1, 2]", "The sample is not a JSON object"),
        ("", "Paste a body the tool sends to try the mapping on."),
    ]:
        response = client.post(try_url(hook), form_data(sample=sample), **HTMX)
        assert response.status_code == 400
        assert f"<li>Sample payload: {says}" in response.content.decode()


def test_a_bad_path_is_named_before_anything_is_tried(client, admin_user, generic):
    hook, _ = generic
    client.force_login(admin_user)
    typed = form_data(sample=json.dumps(tool_event()), service_path="$..service")
    response = client.post(try_url(hook), typed, **HTMX)
    assert response.status_code == 400
    assert "<li>Service: “..” (any depth) is not supported" in response.content.decode()


def test_without_javascript_the_whole_page_shows_the_result(client, admin_user, generic):
    hook, _ = generic
    client.force_login(admin_user)
    sample = json.dumps(tool_event("ok"))
    response = client.post(try_url(hook), form_data(sample=sample, title_path="$.message"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Field mapping of “Status tool”</h1>" in html
    assert "A delivery like this would be applied</strong>: resolved of incident" in html
    assert 'value="$.message"' in html  # the typed mapping stays in the form, unsaved
    assert "Correct the field" not in html
    assert FieldMapping.objects.get(endpoint=hook).title_path == "$.incident.title"


def test_a_recent_delivery_can_be_the_sample(client, admin_user, unmapped, send, org):
    hook, secret = unmapped
    send(hook, tool_event("firing"), secret=secret)  # quarantined: no mapping yet
    delivery = InboundDelivery.objects.get()
    client.force_login(admin_user)
    page = client.get(f"/o/acme/settings/integrations/endpoints/{hook.pk}/mapping/")
    assert f'name="use_delivery" value="{delivery.pk}"' in page.content.decode()

    response = client.post(try_url(hook), form_data(use_delivery=delivery.pk), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="sample-field" hx-swap-oob="true">' in html
    assert "&quot;id&quot;: &quot;evt-firing-5&quot;" in html  # the body, indented, as sample
    assert "A delivery like this would be applied</strong>: triggered of incident" in html
    assert not FieldMapping.objects.exists() and not Incident.objects.exists()


def test_another_endpoints_delivery_cannot_be_the_sample(
    client, admin_user, generic, other_org, org
):
    hook, _ = generic
    with scopes_disabled():
        theirs, _ = make_endpoint(other_org, kind=SourceKind.GENERIC_JSON, name="Theirs")
        foreign = InboundDelivery.objects.create(
            organization=other_org, endpoint=theirs, event_id="x", body='{"secret": "theirs"}'
        )
    client.force_login(admin_user)
    for value in (foreign.pk, "nope"):
        response = client.post(try_url(hook), form_data(use_delivery=value), **HTMX)
        assert response.status_code == 404
        assert b"theirs" not in response.content
