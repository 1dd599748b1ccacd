"""Editing a template's sections, and postmortems already made keeping their content."""

import pytest
from django_scopes import scope

from organizations.models import AuditEntry
from postmortems import creation
from postmortems.models import Section, TemplateSection
from tests.postmortems.designer.helpers import audit_actions, declare, edit_url, url


def section_url(name: str, section: TemplateSection) -> str:
    return url(name, section.organization, template_id=section.template_id, section_id=section.pk)


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
