"""The template designer's preview, and the bounded query counts of its pages."""

from datetime import timedelta

from django_scopes import scope

from incidents import services as incident_services
from incidents.models import Incident
from postmortems import creation
from postmortems.designer import sections as template_sections
from postmortems.designer import services as services_templates
from postmortems.models import Postmortem
from tests.postmortems.designer.helpers import T0, declare, edit_url, url

# --- Preview -----------------------------------------------------------------------------------


class TestPreview:
    def test_from_a_real_incident(self, admin_client, org, standard):
        incident = declare(org, title="Checkout <b>down</b> & out")
        address = url("template_preview", org, template_id=standard.pk)
        response = admin_client.get(address, {"incident": incident.ref})
        html = response.content.decode()
        assert response.status_code == 200
        assert incident.ref in html and "Checkout &lt;b&gt;down&lt;/b&gt; &amp; out" in html
        assert "<b>down</b>" not in html  # substituted text is sanitised like the read view
        assert "<html" in html  # a page without htmx

    def test_from_the_sample_writes_nothing(self, admin_client, org, standard, count_queries):
        address = url("template_preview", org, template_id=standard.pk)
        before = (Incident.objects.count(), Postmortem.objects.count())
        response = admin_client.get(address, {"incident": "sample"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        assert "Checkout API returning 502s for card payments" in html
        assert "payments-api, checkout" in html and "Sam Rivera" in html
        assert (Incident.objects.count(), Postmortem.objects.count()) == before

    def test_the_edit_page_previews_the_sample_and_offers_recent_incidents(
        self, admin_client, org, standard
    ):
        incident = declare(org, title="Search is slow")
        response = admin_client.get(edit_url(standard))
        html = response.content.decode()
        assert "Sample incident" in html and f"{incident.ref} · SEV2 · Search is slow" in html
        assert "Checkout API returning 502s" in html
        for name, _ in response.context["palette"]:
            assert name in html

    def test_another_organizations_incident_is_refused(
        self, admin_client, org, other_org, standard
    ):
        foreign = declare(other_org, title="Globex secret outage")
        declare(org, title="Ours")  # the same reference exists at home: INC-<year>-0001
        other = declare(other_org, title="Globex second secret")
        response = admin_client.get(
            url("template_preview", org, template_id=standard.pk), {"incident": other.ref}
        )
        assert response.status_code == 400
        assert b"Globex" not in response.content
        same_ref = admin_client.get(
            url("template_preview", org, template_id=standard.pk), {"incident": foreign.ref}
        )
        assert b"Ours" in same_ref.content and b"Globex" not in same_ref.content


# --- Bounded queries ---------------------------------------------------------------------------


class TestQueries:
    def test_the_list_does_not_grow_with_templates(
        self, admin_client, org, standard, count_queries, admin_user
    ):
        address = url("template_list", org)
        admin_client.get(address)
        small = count_queries(lambda: admin_client.get(address))
        for _ in range(12):
            copy = services_templates.template_duplicate(template=standard, actor=admin_user)
            with scope(organization=org):
                creation.postmortem_create(organization=org, actor=admin_user, template=copy)
        services_templates.template_retire(template=copy, actor=admin_user)
        large = count_queries(lambda: admin_client.get(address))
        assert large <= small

    def test_the_designer_does_not_grow_with_sections_or_incidents(
        self, admin_client, org, admin_user, count_queries
    ):
        template = services_templates.template_create(organization=org, actor=admin_user, name="T")
        template_sections.template_section_add(template=template, actor=admin_user, title="One")
        declare(org)
        address = edit_url(template)
        admin_client.get(address)
        small = count_queries(lambda: admin_client.get(address))
        for n in range(25):
            template_sections.template_section_add(
                template=template,
                actor=admin_user,
                title=f"Section {n}",
                required=n % 2 == 0,
                default_text="{{incident.title}} {{incident.timeline}}",
            )
            declare(org, title=f"Incident {n}")
        large = count_queries(lambda: admin_client.get(address))
        assert large <= small

    def test_the_preview_of_an_incident_is_bounded(
        self, admin_client, org, standard, count_queries
    ):
        incident = declare(org)
        address = url("template_preview", org, template_id=standard.pk)
        small = count_queries(lambda: admin_client.get(address, {"incident": incident.ref}))
        with scope(organization=org):
            for n in range(10):
                incident_services.timeline_entry_add(
                    incident=incident,
                    actor=None,
                    actor_name="bot",
                    occurred_at=T0 + timedelta(minutes=n),
                    description=f"entry {n}",
                )
        large = count_queries(lambda: admin_client.get(address, {"incident": incident.ref}))
        assert large <= small
