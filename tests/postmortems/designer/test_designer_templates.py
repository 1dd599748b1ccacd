"""Who reaches the designer; listing, creating, retiring templates; defaults per severity."""

import pytest
from django.urls import reverse
from django_scopes import scope

from organizations.models import AuditEntry
from organizations.roles import Role
from postmortems import creation, selectors, services
from postmortems.designer import services as services_templates
from postmortems.designer.selectors import effective_defaults
from postmortems.designer.urls import urlpatterns
from postmortems.models import Template
from tests.postmortems.designer.helpers import audit_actions, edit_url, url

SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]


def route_urls(org, template, section) -> list[tuple[str, str]]:
    """Every route of the designer, filled with this template and section."""
    params = {"template_id": template.pk, "section_id": section.pk}
    result = []
    for pattern in urlpatterns:
        kwargs = {k: params[k] for k in pattern.pattern.regex.groupindex}
        result.append((pattern.name, url(pattern.name, org, **kwargs)))
    return result


# --- Who may reach the designer ----------------------------------------------------------------


class TestAccess:
    @pytest.mark.parametrize("role", [Role.MANAGER, Role.REVIEWER, Role.ENGINEER, Role.VIEWER])
    def test_every_page_refuses_members_below_admin(
        self, client, org, standard, member_factory, role
    ):
        client.force_login(member_factory(role))
        section = standard.sections.first()
        for name, address in route_urls(org, standard, section):
            for method in ("get", "post"):
                response = getattr(client, method)(address)
                assert response.status_code == 403, f"{method} {name}"
        assert not AuditEntry.objects.exists()

    def test_non_members_get_404(self, client, org, other_org, standard, member_factory):
        client.force_login(member_factory(Role.ADMIN, organization=other_org))
        section = standard.sections.first()
        for name, address in route_urls(org, standard, section):
            for method in ("get", "post"):
                assert getattr(client, method)(address).status_code == 404, f"{method} {name}"

    def test_another_organizations_template_and_section_are_404(
        self, admin_client, org, other_org, standard
    ):
        with scope(organization=other_org):
            foreign = services.templates_install_builtins(organization=other_org)[0]
            foreign_section = foreign.sections.first()
        own_section = standard.sections.first()
        for name, _ in route_urls(org, standard, own_section):
            if name in (
                "template_list",
                "template_create",
                "template_defaults",
                "template_install",
            ):
                continue
            params = {"template_id": foreign.pk, "section_id": foreign_section.pk}
            pattern = next(p for p in urlpatterns if p.name == name)
            kwargs = {k: params[k] for k in pattern.pattern.regex.groupindex}
            for method in ("get", "post"):
                response = getattr(admin_client, method)(url(name, org, **kwargs))
                assert response.status_code == 404, f"{method} {name}"
        assert not AuditEntry.objects.exists()

    def test_a_section_of_another_template_is_404(self, admin_client, org, builtins):
        standard, lightweight = builtins["standard"], builtins["lightweight"]
        wrong = url(
            "template_section_edit",
            org,
            template_id=standard.pk,
            section_id=lightweight.sections.first().pk,
        )
        assert admin_client.post(wrong, {}).status_code == 404

    def test_admin_reaches_every_page(self, admin_client, org, standard):
        section = standard.sections.first()
        pages = ["template_list", "template_create", "template_edit", "template_retire"]
        for name, address in route_urls(org, standard, section):
            if name in pages or name == "template_preview":
                assert admin_client.get(address).status_code == 200, name

    def test_settings_navigation_shows_templates_to_admins(self, admin_client, org, standard):
        response = admin_client.get(url("template_list", org))
        assert b'aria-current="page">Templates<' in response.content


# --- The list, create, duplicate, rename, retire, restore --------------------------------------


class TestList:
    def test_lists_templates_with_counts_defaults_and_a_retired_group(
        self, admin_client, org, builtins, admin_user
    ):
        with scope(organization=org):
            creation.postmortem_create(
                organization=org, actor=admin_user, template=builtins["lightweight"]
            )
        services_templates.template_retire(template=builtins["security"], actor=admin_user)
        response = admin_client.get(url("template_list", org))
        html = response.content.decode()
        assert response.status_code == 200
        active = response.context["active_rows"]
        assert [r.template.name for r in active] == ["Comprehensive", "Lightweight", "Standard"]
        light = next(r for r in active if r.template.name == "Lightweight")
        assert light.postmortem_count == 1 and light.severities == ["SEV3", "SEV4"]
        assert light.section_count == builtins["lightweight"].sections.count()
        assert [r.template.name for r in response.context["retired_rows"]] == ["Security incident"]
        assert "Built-in" in html and "Retired" in html and "Restore" in html

    def test_an_organization_without_templates_can_install_the_builtins(self, admin_client, org):
        response = admin_client.get(url("template_list", org))
        assert b"Install the built-in templates" in response.content
        response = admin_client.post(url("template_install", org))
        assert response.status_code == 302
        assert Template.objects.filter(organization=org).count() == 4
        assert audit_actions(org) == ["template.created"] * 4
        admin_client.post(url("template_install", org))  # harmless twice
        assert Template.objects.filter(organization=org).count() == 4
        assert len(audit_actions(org)) == 4

    def test_installing_refuses_a_name_clash_with_an_own_template(
        self, admin_client, org, admin_user
    ):
        services_templates.template_create(organization=org, actor=admin_user, name="Standard")
        response = admin_client.post(url("template_install", org), follow=True)
        assert "rename it" in response.content.decode()
        assert Template.objects.filter(organization=org).count() == 1


class TestCreate:
    def test_blank_template(self, admin_client, org, standard):
        response = admin_client.post(
            url("template_create", org), {"name": "  Data incident ", "description": "For data"}
        )
        template = Template.objects.get(organization=org, name="Data incident")
        assert response.status_code == 302 and response["Location"] == edit_url(template)
        assert template.sections.count() == 0 and template.builtin_key == ""
        entry = AuditEntry.objects.get(organization=org)
        assert (entry.action, entry.target) == ("template.created", "Data incident")

    def test_copy_of_another_template(self, admin_client, org, standard):
        admin_client.post(
            url("template_create", org), {"name": "Ours", "start_from": str(standard.pk)}
        )
        copy = Template.objects.get(organization=org, name="Ours")
        assert list(copy.sections.values_list("key", "title", "required", "default_text")) == list(
            standard.sections.values_list("key", "title", "required", "default_text")
        )
        assert copy.default_for_severities == []

    def test_name_must_be_new_whatever_its_case(self, admin_client, org, standard):
        response = admin_client.post(url("template_create", org), {"name": "standard"})
        assert response.status_code == 400
        assert "already exists" in response.content.decode()
        assert Template.objects.filter(organization=org).count() == 4

    def test_cannot_copy_another_organizations_template(
        self, admin_client, org, other_org, standard
    ):
        foreign = services.templates_install_builtins(organization=other_org)[0]
        response = admin_client.post(
            url("template_create", org), {"name": "Stolen", "start_from": str(foreign.pk)}
        )
        assert response.status_code == 400
        assert not Template.objects.filter(name="Stolen").exists()


class TestDuplicateRenameRetire:
    def test_duplicate_gets_a_unique_name_and_the_sections(self, admin_client, org, standard):
        first = admin_client.post(url("template_duplicate", org, template_id=standard.pk))
        second = admin_client.post(url("template_duplicate", org, template_id=standard.pk))
        copies = Template.objects.filter(organization=org, name__startswith="Copy of").order_by(
            "pk"
        )
        assert [c.name for c in copies] == ["Copy of Standard", "Copy of Standard (2)"]
        assert first["Location"] == edit_url(copies[0]) and second.status_code == 302
        assert copies[0].sections.count() == standard.sections.count()
        assert copies[0].builtin_key == "" and copies[0].default_for_severities == []
        assert audit_actions(org) == ["template.duplicated", "template.duplicated"]

    def test_rename_and_describe(self, admin_client, org, standard):
        response = admin_client.post(
            edit_url(standard), {"name": "Everyday", "description": "Most incidents"}
        )
        assert response.status_code == 302
        standard.refresh_from_db()
        assert (standard.name, standard.description) == ("Everyday", "Most incidents")
        entry = AuditEntry.objects.get(organization=org)
        assert entry.action == "template.renamed"
        assert entry.details["name"] == {"from": "Standard", "to": "Everyday"}

    def test_rename_to_a_taken_name_is_refused(self, admin_client, org, builtins):
        response = admin_client.post(edit_url(builtins["standard"]), {"name": "LIGHTWEIGHT"})
        assert response.status_code == 400
        assert "already exists" in response.content.decode()
        builtins["standard"].refresh_from_db()
        assert builtins["standard"].name == "Standard"

    def test_retire_asks_first_then_drops_the_defaults(self, admin_client, org, builtins):
        comprehensive = builtins["comprehensive"]
        confirm = admin_client.get(url("template_retire", org, template_id=comprehensive.pk))
        assert b"SEV1" in confirm.content and b"Retire template" in confirm.content
        response = admin_client.post(url("template_retire", org, template_id=comprehensive.pk))
        assert response.status_code == 302
        comprehensive.refresh_from_db()
        assert comprehensive.retired_at is not None
        assert comprehensive.default_for_severities == []
        with scope(organization=org):
            assert comprehensive not in selectors.active_templates(organization=org)
            assert (
                selectors.template_for_severity(organization=org, severity="SEV1")
                == (builtins["standard"])
            )
        entry = AuditEntry.objects.get(organization=org)
        assert entry.action == "template.retired"
        assert entry.details == {"default_for_severities": {"from": ["SEV1"], "to": []}}

    def test_the_last_active_template_cannot_be_retired(
        self, admin_client, org, builtins, admin_user
    ):
        for key in ("comprehensive", "lightweight", "security"):
            services_templates.template_retire(template=builtins[key], actor=admin_user)
        standard = builtins["standard"]
        confirm = admin_client.get(url("template_retire", org, template_id=standard.pk))
        assert b"only active template" in confirm.content
        assert b"Retire template" not in confirm.content
        response = admin_client.post(url("template_retire", org, template_id=standard.pk))
        assert response.status_code == 409
        assert "only active template" in response.content.decode()
        standard.refresh_from_db()
        assert standard.retired_at is None

    def test_restore(self, admin_client, org, builtins, admin_user):
        security = builtins["security"]
        services_templates.template_retire(template=security, actor=admin_user)
        response = admin_client.post(url("template_restore", org, template_id=security.pk))
        assert response.status_code == 302
        security.refresh_from_db()
        assert security.retired_at is None
        with scope(organization=org):
            assert security in selectors.active_templates(organization=org)
        assert audit_actions(org) == ["template.retired", "template.restored"]

    def test_the_retired_template_is_not_offered_for_new_postmortems(
        self, client, org, builtins, admin_user, engineer
    ):
        services_templates.template_retire(template=builtins["security"], actor=admin_user)
        client.force_login(engineer)
        response = client.get(reverse("postmortem_create", kwargs={"org_slug": org.slug}))
        assert response.status_code == 200
        assert b"Security incident" not in response.content
        assert b"Lightweight" in response.content


# --- Defaults per severity ---------------------------------------------------------------------


class TestDefaults:
    def test_each_severity_belongs_to_exactly_one_template(self, admin_client, org, builtins):
        light, standard = builtins["lightweight"], builtins["standard"]
        data = {"SEV1": light.pk, "SEV2": light.pk, "SEV3": standard.pk, "SEV4": light.pk}
        response = admin_client.post(url("template_defaults", org), data)
        assert response.status_code == 302
        stored = dict(
            Template.objects.filter(organization=org).values_list("name", "default_for_severities")
        )
        assert stored == {
            "Lightweight": ["SEV1", "SEV2", "SEV4"],
            "Standard": ["SEV3"],
            "Comprehensive": [],
            "Security incident": [],
        }
        with scope(organization=org):
            for severity, template in {"SEV1": light, "SEV2": light, "SEV3": standard}.items():
                assert selectors.template_for_severity(organization=org, severity=severity) == (
                    template
                )
        entry = AuditEntry.objects.get(organization=org)
        assert entry.action == "template.defaults_changed"
        assert entry.details["Comprehensive"] == {"from": ["SEV1"], "to": []}
        assert entry.details["Standard"] == {"from": ["SEV2"], "to": ["SEV3"]}

    def test_the_form_shows_the_current_defaults(self, admin_client, org, builtins):
        form = admin_client.get(url("template_list", org)).context["defaults_form"]
        assert {s: form[s].value() for s in SEVERITIES} == {
            "SEV1": builtins["comprehensive"].pk,
            "SEV2": builtins["standard"].pk,
            "SEV3": builtins["lightweight"].pk,
            "SEV4": builtins["lightweight"].pk,
        }

    def test_retired_or_foreign_templates_are_refused(
        self, admin_client, org, other_org, builtins, admin_user
    ):
        services_templates.template_retire(template=builtins["security"], actor=admin_user)
        foreign = services.templates_install_builtins(organization=other_org)[0]
        for bad in (builtins["security"].pk, foreign.pk, "nope", ""):
            data = dict.fromkeys(SEVERITIES, builtins["standard"].pk)
            data["SEV2"] = bad
            response = admin_client.post(url("template_defaults", org), data)
            assert response.status_code == 400
            assert response.context["defaults_form"].errors["SEV2"]
        builtins["comprehensive"].refresh_from_db()
        assert builtins["comprehensive"].default_for_severities == ["SEV1"]
        assert audit_actions(org) == ["template.retired"]

    @pytest.mark.parametrize("retire", [(), ("standard",), ("standard", "comprehensive")])
    def test_effective_defaults_match_template_for_severity(
        self, org, builtins, admin_user, retire
    ):
        for key in retire:
            services_templates.template_retire(template=builtins[key], actor=admin_user)
        templates = list(Template.objects.filter(organization=org))
        shown = effective_defaults(templates)
        with scope(organization=org):
            for severity in SEVERITIES:
                assert shown[severity] == selectors.template_for_severity(
                    organization=org, severity=severity
                )
