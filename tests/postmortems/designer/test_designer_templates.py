"""The template designer: admins list, create, duplicate, rename, retire and restore
templates, edit their sections, pick the default per severity and preview them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django_scopes import scope

from incidents import services as incident_services
from incidents.models import Incident
from organizations.models import AuditEntry
from organizations.roles import Role
from postmortems import creation, selectors, services
from postmortems.designer import sections as template_sections
from postmortems.designer import services as services_templates
from postmortems.designer.selectors import effective_defaults
from postmortems.designer.urls import urlpatterns
from postmortems.models import Postmortem, Section, Template, TemplateSection

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]


# --- Fixtures and helpers ----------------------------------------------------------------------


@pytest.fixture
def builtins(org):
    return {t.builtin_key: t for t in services.templates_install_builtins(organization=org)}


@pytest.fixture
def standard(builtins):
    return builtins["standard"]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def url(name: str, org, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def edit_url(template: Template) -> str:
    return url("template_edit", template.organization, template_id=template.pk)


def section_url(name: str, section: TemplateSection) -> str:
    return url(name, section.organization, template_id=section.template_id, section_id=section.pk)


def declare(org, title="Payments failing", severity="SEV2", **kwargs) -> Incident:
    with scope(organization=org):
        return incident_services.incident_declare(
            organization=org,
            actor=None,
            title=title,
            severity=severity,
            started_at=T0,
            services=["payments-api"],
            **kwargs,
        )


def section_data(prefix: str, **values) -> dict:
    data = {
        "title": "Customer communication",
        "kind": "markdown",
        "default_text": "",
        "helper_prompt": "",
    }
    data.update(values)
    if data.pop("required", False):
        data["required"] = "on"
    return {f"{prefix}-{key}": value for key, value in data.items()}


def audit_actions(org) -> list[str]:
    return list(
        AuditEntry.objects.filter(organization=org).order_by("id").values_list("action", flat=True)
    )


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


# --- Sections ----------------------------------------------------------------------------------


class TestSections:
    def test_add_a_section_at_the_end_with_a_key_from_its_title(self, admin_client, org, standard):
        count = standard.sections.count()
        data = section_data(
            "new", title="Summary", required=True, default_text="About {{incident.title}}"
        )
        response = admin_client.post(
            url("template_section_add", org, template_id=standard.pk), data
        )
        section = TemplateSection.objects.get(template=standard, title="Summary", key="summary-2")
        assert response.status_code == 302 and response["Location"].endswith(
            f"#section-{section.pk}"
        )
        assert section.position == count and section.required
        assert section.default_text == "About {{incident.title}}"
        entry = AuditEntry.objects.get(organization=org)
        assert entry.action == "template.section_added"
        assert entry.details == {"key": "summary-2", "kind": "markdown", "required": True}

    def test_htmx_add_answers_the_section_list_and_refreshes_the_preview(
        self, admin_client, org, standard
    ):
        response = admin_client.post(
            url("template_section_add", org, template_id=standard.pk),
            section_data("new", title="Customer comms"),
            headers={"HX-Request": "true"},
        )
        html = response.content.decode()
        assert response.status_code == 200 and response["HX-Trigger"] == "template-changed"
        assert 'id="sections"' in html and "Customer comms" in html and "<html" not in html

    @pytest.mark.parametrize(
        "field, text, expected",
        [
            ("default_text", "Hi {{ incident.nope }}", "{{incident.nope}}"),
            ("default_text", "{% if incident %}x{% endif %}", "not allowed"),
            ("default_text", "{{ x.__class__ }}", "{{x.__class__}}"),
            ("helper_prompt", "{{ incident.title|upper }}", "{{incident.title|upper}}"),
            ("helper_prompt", "{# note #}", "not allowed"),
        ],
    )
    def test_template_text_is_validated_naming_the_problem(
        self, admin_client, org, standard, field, text, expected
    ):
        response = admin_client.post(
            url("template_section_add", org, template_id=standard.pk),
            section_data("new", **{field: text}),
        )
        assert response.status_code == 400
        errors = response.context["add_form"].errors[field]
        message = " ".join(errors)
        assert expected in message
        if "Unknown" in message:
            assert (
                "Valid variables: {{incident.id}}" in message and "{{metrics.latency}}" in message
            )
        assert not TemplateSection.objects.filter(title="Customer communication").exists()
        assert not AuditEntry.objects.exists()

    def test_update_a_section(self, admin_client, org, standard):
        section = standard.sections.get(key="summary")
        data = section_data(
            f"s{section.pk}",
            title="Overview",
            kind="markdown",
            required=False,
            default_text="{{incident.id}} overview",
            helper_prompt="Two sentences.",
        )
        response = admin_client.post(section_url("template_section_edit", section), data)
        assert response.status_code == 302
        section.refresh_from_db()
        assert (section.title, section.required, section.key) == ("Overview", False, "summary")
        assert section.default_text == "{{incident.id}} overview"
        entry = AuditEntry.objects.get(organization=org)
        assert entry.action == "template.section_updated"
        assert entry.details["title"] == {"from": "Summary", "to": "Overview"}
        assert entry.details["required"] == {"from": True, "to": False}

    def test_htmx_update_answers_the_section_with_errors_in_place(
        self, admin_client, org, standard
    ):
        section = standard.sections.get(key="summary")
        bad = section_data(f"s{section.pk}", title="", default_text="{{ nope }}")
        response = admin_client.post(
            section_url("template_section_edit", section), bad, headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert response.status_code == 400
        assert f'id="section-{section.pk}"' in html and "{{nope}}" in html
        assert "This field is required." in html
        section.refresh_from_db()
        assert section.title == "Summary"
        good = section_data(f"s{section.pk}", title="Overview")
        response = admin_client.post(
            section_url("template_section_edit", section), good, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200 and b"Saved" in response.content
        assert response["HX-Trigger"] == "template-changed"

    def test_an_unchanged_save_writes_nothing(self, admin_client, org, standard):
        section = standard.sections.get(key="summary")
        data = section_data(
            f"s{section.pk}",
            title=section.title,
            kind=section.kind,
            required=section.required,
            default_text=section.default_text,
            helper_prompt=section.helper_prompt,
        )
        assert (
            admin_client.post(section_url("template_section_edit", section), data).status_code
            == 302
        )
        assert not AuditEntry.objects.exists()

    def test_move_up_and_down(self, admin_client, org, standard):
        keys = list(standard.sections.values_list("key", flat=True))
        second = standard.sections.get(key=keys[1])
        response = admin_client.post(
            section_url("template_section_move", second), {"direction": "up"}
        )
        assert response.status_code == 302
        assert list(standard.sections.values_list("key", flat=True))[:2] == [keys[1], keys[0]]
        response = admin_client.post(
            section_url("template_section_move", second),
            {"direction": "down"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200 and b'id="sections"' in response.content
        assert list(standard.sections.values_list("key", flat=True)) == keys
        assert list(standard.sections.values_list("position", flat=True)) == list(range(len(keys)))
        assert audit_actions(org) == ["template.sections_reordered"] * 2

    def test_moving_the_first_section_up_changes_nothing(self, admin_client, org, standard):
        first = standard.sections.first()
        admin_client.post(section_url("template_section_move", first), {"direction": "up"})
        bad = admin_client.post(
            section_url("template_section_move", first),
            {"direction": "sideways"},
            headers={"HX-Request": "true"},
        )
        assert bad.status_code == 400
        assert standard.sections.first() == first and not AuditEntry.objects.exists()

    def test_reorder_everything_at_once(self, admin_client, org, standard):
        pks = list(standard.sections.values_list("pk", flat=True))
        reordered = list(reversed(pks))
        response = admin_client.post(
            url("template_sections_reorder", org, template_id=standard.pk),
            {"order": reordered},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert list(standard.sections.values_list("pk", flat=True)) == reordered

    def test_reorder_must_name_every_section_once(self, admin_client, org, builtins):
        standard = builtins["standard"]
        pks = list(standard.sections.values_list("pk", flat=True))
        foreign_pk = builtins["lightweight"].sections.first().pk
        for order in (pks[:-1], pks + [pks[0]], pks[:-1] + [foreign_pk], ["x"]):
            response = admin_client.post(
                url("template_sections_reorder", org, template_id=standard.pk),
                {"order": order},
                headers={"HX-Request": "true"},
            )
            assert response.status_code == 400, order
            assert b"reload" in response.content
        assert list(standard.sections.values_list("pk", flat=True)) == pks

    def test_delete_a_section(self, admin_client, org, standard):
        section = standard.sections.get(key="summary")
        response = admin_client.post(section_url("template_section_delete", section))
        assert response.status_code == 302
        assert not TemplateSection.objects.filter(pk=section.pk).exists()
        positions = list(standard.sections.values_list("position", flat=True))
        assert positions == list(range(len(positions)))
        entry = AuditEntry.objects.get(organization=org)
        assert (entry.action, entry.details) == ("template.section_removed", {"key": "summary"})


class TestExistingPostmortemsKeepTheirContent:
    def test_template_edits_never_reach_postmortems_already_made(
        self, admin_client, org, standard, admin_user
    ):
        incident = declare(org, title="Queue backlog")
        with scope(organization=org):
            postmortem = creation.postmortem_create(
                organization=org, actor=admin_user, template=standard, incident=incident
            )
        before = list(
            Section.objects.filter(postmortem=postmortem).values_list(
                "key", "title", "required", "body", "helper_prompt", "position"
            )
        )
        summary = standard.sections.get(key="summary")
        admin_client.post(
            section_url("template_section_edit", summary),
            section_data(f"s{summary.pk}", title="Changed", default_text="New {{incident.id}}"),
        )
        admin_client.post(
            section_url("template_section_delete", standard.sections.get(key="timeline"))
        )
        admin_client.post(
            url("template_section_add", org, template_id=standard.pk), section_data("new")
        )
        admin_client.post(edit_url(standard), {"name": "Renamed"})
        admin_client.post(url("template_duplicate", org, template_id=standard.pk))
        admin_client.post(url("template_retire", org, template_id=standard.pk))
        standard.refresh_from_db()
        assert standard.retired_at is not None and standard.name == "Renamed"
        after = list(
            Section.objects.filter(postmortem=postmortem).values_list(
                "key", "title", "required", "body", "helper_prompt", "position"
            )
        )
        assert after == before
        assert "Queue backlog" in {k: b for k, _, _, b, _, _ in after}["summary"]
        postmortem.refresh_from_db()
        assert postmortem.template == standard
        # ...while a new postmortem gets the template as it is now.
        another = declare(org, title="Queue backlog again")
        with scope(organization=org):
            fresh = creation.postmortem_create(
                organization=org, actor=admin_user, template=standard, incident=another
            )
        keys = set(Section.objects.filter(postmortem=fresh).values_list("key", flat=True))
        assert "timeline" not in keys and "customer-communication" in keys
        assert Section.objects.get(postmortem=fresh, key="summary").body == f"New {another.ref}"

    def test_helper_prompts_are_filled_from_the_incident_like_default_texts(
        self, admin_client, org, standard, admin_user
    ):
        summary = standard.sections.get(key="summary")
        admin_client.post(
            section_url("template_section_edit", summary),
            section_data(
                f"s{summary.pk}",
                title="Summary",
                helper_prompt="Explain {{incident.id}} to a customer.",
            ),
        )
        incident = declare(org, title="Queue backlog")
        with scope(organization=org):
            postmortem = creation.postmortem_create(
                organization=org, actor=admin_user, template=standard, incident=incident
            )
        prompt = Section.objects.get(postmortem=postmortem, key="summary").helper_prompt
        assert prompt == f"Explain {incident.ref} to a customer."


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
