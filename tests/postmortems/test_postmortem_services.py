import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connections
from django_scopes import scope, scopes_disabled

from organizations.models import Membership, PostmortemPolicy
from organizations.roles import Role
from postmortems import creation, selectors, services
from postmortems.models import Postmortem, Revision, Section, Template
from postmortems.permissions import may_edit
from postmortems.read.changes import revision_changes
from postmortems.variables import (
    VARIABLES,
    IncidentContext,
    substitute,
    validate_template_text,
)
from tests.postmortems.helpers import resolved_incident


@pytest.fixture
def templates(org):
    return services.templates_install_builtins(organization=org)


class TestVariables:
    def test_every_design_variable_exists(self):
        for name in [
            "incident.title",
            "incident.id",
            "incident.severity",
            "incident.duration",
            "incident.services",
            "incident.commander",
            "incident.timeline",
            "incident.alerts",
            "incident.errors",
            "incident.releases",
            "metrics.errorRate",
            "metrics.latency",
        ]:
            assert name in VARIABLES

    @pytest.mark.parametrize(
        "text",
        [
            "{{ ''.__class__ }}",
            "{% load static %}",
            "{{incident.title|upper}}",
            "{{ incident.nope }}",
            "{# comment #}",
        ],
    )
    def test_engine_syntax_and_unknown_names_are_refused_with_the_valid_list(self, text):
        with pytest.raises(ValidationError) as info:
            validate_template_text(text)
        message = " ".join(info.value.message_dict["default_text"])
        assert "{{incident.title}}" in message or "not allowed" in message

    def test_known_names_pass_with_or_without_spaces(self):
        validate_template_text("{{incident.title}} and {{ incident.severity }}")

    def test_substitution_is_a_single_pass(self, org, engineer):
        incident = resolved_incident(org, commander=engineer)
        incident.title = "{{incident.severity}} {% load x %}"
        ctx = IncidentContext(incident, [], [], [], [], {})
        assert substitute("Title: {{incident.title}}", ctx) == (
            "Title: {{incident.severity}} {% load x %}"
        )

    def test_timeline_alerts_and_releases_render_as_markdown(self, org, engineer):
        incident = resolved_incident(org, commander=engineer)
        with scope(organization=org):
            ctx = creation.incident_context(incident)
            timeline = substitute("{{incident.timeline}}", ctx)
            releases = substitute("{{incident.releases}}", ctx)
            duration = substitute("{{incident.duration}}", ctx)
        assert timeline.startswith("| Time | Event | Who |")
        assert "Error rate \\| above 5%" in timeline  # a pipe cannot break the table
        assert "★" in timeline
        assert "[v2.3.1 \\[hotfix\\]](https://git.example.com/releases/231) — caused by" in releases
        assert duration == "2h"


class TestGeneration:
    def test_resolving_a_sev1_generates_a_draft_from_the_comprehensive_template(
        self, org, templates, member_factory, django_capture_on_commit_callbacks
    ):
        commander = member_factory(Role.ENGINEER, username="cmdr")
        helper = member_factory(Role.ENGINEER, username="helper")
        with django_capture_on_commit_callbacks(execute=True):
            incident = resolved_incident(org, commander=commander, participants=[helper])
            creation.postmortem_generate_for_incident(incident=incident)
        postmortem = Postmortem.objects.get(incident=incident)
        assert postmortem.generated and postmortem.template.builtin_key == "comprehensive"
        assert postmortem.author == commander
        timeline = Section.objects.get(postmortem=postmortem, key="timeline")
        assert "Error rate" in timeline.body and len(timeline.data["rows"]) >= 2
        summary = Section.objects.get(postmortem=postmortem, key="executive-summary")
        assert incident.ref in summary.body and "{{" not in summary.body
        with scope(organization=org):
            assert may_edit(helper, Membership.objects.get(user=helper), postmortem)
        assert {m.to[0] for m in mail.outbox} == {commander.email, helper.email}
        assert Revision.objects.filter(postmortem=postmortem).count() == 1

    def test_generating_twice_makes_one_draft(self, org, templates, engineer):
        incident = resolved_incident(org, commander=engineer)
        first = creation.postmortem_generate_for_incident(incident=incident)
        second = creation.postmortem_generate_for_incident(incident=incident)
        assert first == second
        assert Postmortem.objects.filter(incident=incident).count() == 1

    def test_policy_off_or_not_required_makes_no_draft(self, org, templates, engineer):
        minor = resolved_incident(org, commander=engineer, severity="SEV4", hours=0.5)
        assert creation.postmortem_generate_for_incident(incident=minor) is None
        PostmortemPolicy.objects.create(organization=org, severities=["SEV1"], auto_generate=False)
        major = resolved_incident(org, commander=engineer)
        assert creation.postmortem_generate_for_incident(incident=major) is None

    def test_severity_picks_the_default_template(self, org, templates):
        with scope(organization=org):
            picks = {
                sev: selectors.template_for_severity(organization=org, severity=sev).builtin_key
                for sev in ("SEV1", "SEV2", "SEV3", "SEV4")
            }
        assert picks == {
            "SEV1": "comprehensive",
            "SEV2": "standard",
            "SEV3": "lightweight",
            "SEV4": "lightweight",
        }

    def test_builtins_install_once(self, org, templates):
        services.templates_install_builtins(organization=org)
        assert Template.objects.filter(organization=org).count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_generations_make_one_draft(org, engineer):
    services.templates_install_builtins(organization=org)
    incident = resolved_incident(org, commander=engineer)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with scopes_disabled():
                barrier.wait(timeout=5)
                results.append(creation.postmortem_generate_for_incident(incident=incident).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(set(results)) == 1
    assert Postmortem.objects.filter(incident=incident).count() == 1


class TestSaving:
    @pytest.fixture
    def postmortem(self, org, templates, engineer):
        incident = resolved_incident(org, commander=engineer)
        return creation.postmortem_generate_for_incident(incident=incident)

    def test_a_save_bumps_the_version_and_writes_a_revision(self, postmortem, engineer):
        saved = services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            sections={"root-cause": "A migration locked the table."},
        )
        assert saved.version == postmortem.version + 1
        latest = selectors.revisions_of(saved).first()
        assert latest.changed_sections == ["root-cause"]
        assert latest.author == engineer

    def test_a_stale_save_is_refused_with_the_current_text(self, postmortem, engineer):
        base = postmortem.version
        services.postmortem_save(
            postmortem=postmortem, actor=engineer, base_version=base, sections={"root-cause": "A"}
        )
        with pytest.raises(services.StaleVersionError) as info:
            services.postmortem_save(
                postmortem=postmortem,
                actor=engineer,
                base_version=base,
                sections={"root-cause": "B"},
            )
        assert info.value.current_sections["root-cause"] == "A"
        assert Section.objects.get(postmortem=postmortem, key="root-cause").body == "A"

    def test_autosaves_by_one_writer_coalesce_but_not_across_writers(
        self, postmortem, engineer, member_factory
    ):
        other = member_factory(Role.ADMIN, username="other")
        version = postmortem.version
        for text, actor in [("a", engineer), ("ab", engineer), ("abc", other)]:
            version = services.postmortem_save(
                postmortem=postmortem,
                actor=actor,
                base_version=version,
                sections={"root-cause": text},
            ).version
        authors = [getattr(r.author, "username", None) for r in selectors.revisions_of(postmortem)]
        assert authors[:2] == ["other", "engineer"]
        assert Revision.objects.filter(postmortem=postmortem).count() == 3  # created + 2

    def test_oversized_and_unknown_sections_are_refused(self, postmortem, engineer):
        with pytest.raises(ValidationError) as info:
            services.postmortem_save(
                postmortem=postmortem,
                actor=engineer,
                base_version=postmortem.version,
                sections={"root-cause": "x" * (201 * 1024)},
            )
        assert "limit is 200 KB" in info.value.message_dict["root-cause"][0]
        with pytest.raises(ValidationError):
            services.postmortem_save(
                postmortem=postmortem,
                actor=engineer,
                base_version=postmortem.version,
                sections={"nope": "x"},
            )

    def test_restore_creates_a_new_revision_with_the_old_text(self, postmortem, engineer):
        first = selectors.revisions_of(postmortem).first()
        original = Section.objects.get(postmortem=postmortem, key="root-cause").body
        services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            sections={"root-cause": "rewritten"},
        )
        restored = services.revision_restore(postmortem=postmortem, revision=first, actor=engineer)
        assert Section.objects.get(postmortem=restored, key="root-cause").body == original
        latest = selectors.revisions_of(postmortem).first()
        assert latest.summary == f"Restored revision {first.number}"
        assert latest.number == 3

    def test_diff_names_changed_sections_only(self, postmortem, engineer):
        services.postmortem_save(
            postmortem=postmortem,
            actor=engineer,
            base_version=postmortem.version,
            sections={"root-cause": "new root cause"},
        )
        older, newer = list(selectors.revisions_of(postmortem))[::-1][:2]
        diffs = revision_changes(older, newer)
        assert [d.key for d in diffs] == ["root-cause"]
        assert ("+", "new root cause") in diffs[0].lines


class TestEditRights:
    @pytest.fixture
    def postmortem(self, org, templates, engineer):
        with scope(organization=org):
            return creation.postmortem_create(organization=org, actor=engineer)

    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            (Role.VIEWER, False),
            (Role.ENGINEER, False),
            (Role.REVIEWER, False),
            (Role.MANAGER, False),
            (Role.ADMIN, True),
        ],
    )
    def test_draft_rights_by_role(self, postmortem, member_factory, role, expected):
        user = member_factory(role)
        membership = Membership.objects.get(user=user)
        assert may_edit(user, membership, postmortem) is expected

    def test_author_and_invited_editor_may_edit(self, postmortem, engineer, member_factory):
        from guardian.shortcuts import assign_perm

        invited = member_factory(Role.ENGINEER)
        assert may_edit(engineer, Membership.objects.get(user=engineer), postmortem)
        assert not may_edit(invited, Membership.objects.get(user=invited), postmortem)
        assign_perm("change_postmortem", invited, postmortem)
        assert may_edit(invited, Membership.objects.get(user=invited), postmortem)


class TestReconciler:
    def test_a_draft_missed_at_resolve_time_is_created_once(self, org, templates, engineer):
        from postmortems import tasks

        incident = resolved_incident(org, commander=engineer)  # the resolve event was lost
        assert not Postmortem.objects.filter(incident=incident).exists()
        tasks.reconcile_missing_drafts.delay()
        tasks.reconcile_missing_drafts.delay()
        assert Postmortem.objects.filter(incident=incident, generated=True).count() == 1

    def test_nothing_is_generated_when_auto_generation_is_off(self, org, templates, engineer):
        from postmortems import tasks

        PostmortemPolicy.objects.create(
            organization=org, severities=["SEV1", "SEV2"], auto_generate=False
        )
        incident = resolved_incident(org, commander=engineer)
        tasks.reconcile_organization.delay(org.pk)
        assert not Postmortem.objects.filter(incident=incident).exists()

    def test_the_beat_schedule_runs_the_reconciler(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["reconcile-postmortem-drafts"]
        assert entry["task"] == "postmortems.tasks.reconcile_missing_drafts"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_different_sections_never_conflict(org, engineer):
    """Eight writers, each on their own section, saving as fast as they can: the document
    version changes under each of them all the time, yet no save is refused or lost."""
    from postmortems.editor import services as services_impact

    services.templates_install_builtins(organization=org)
    incident = resolved_incident(org, commander=engineer)
    postmortem = creation.postmortem_generate_for_incident(incident=incident)
    keys = list(
        Section.objects.filter(postmortem=postmortem, kind="markdown").values_list(
            "key", flat=True
        )[:8]
    )
    Section.objects.filter(postmortem=postmortem, key__in=keys).update(body="")
    errors = []

    def writer(key):
        text, version = "", postmortem.version
        try:
            with scopes_disabled():
                for number in range(15):
                    new = f"{text}line {number}\n"
                    saved = services_impact.section_body_save(
                        postmortem=postmortem,
                        actor=engineer,
                        key=key,
                        body=new,
                        base_version=version,
                        base_digest=services.content_digest(text),
                    )
                    text, version = new, saved.version
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    bodies = dict(Section.objects.filter(postmortem=postmortem).values_list("key", "body"))
    assert all(bodies[key].count("\n") == 15 for key in keys)


def test_without_an_incident_variables_become_placeholders_to_fill_in():
    assert substitute("**{{incident.id}} · {{ incident.title }}**", None) == (
        "**[incident.id] · [incident.title]**"
    )
