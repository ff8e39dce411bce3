from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from actions.models import Action
from audit.models import AuditEvent
from connectors.models import Connector, ConnectorPublication
from groups.models import Group
from users.management.commands.seed_demo import DEMO_LOGINS, DEMO_PASSWORD
from users.models import Organization, OrganizationUser


def log_in(phone):
    client = Client()
    response = client.post(reverse("login"), {"username": phone, "password": DEMO_PASSWORD}, follow=True)
    return response


def test_demo_data_gives_each_role_a_login_that_lands_where_it_should(db):
    call_command("seed_demo", users=60, stdout=StringIO())
    contoso = Organization.objects.get(slug="contoso")
    assert OrganizationUser.objects.filter(organization=contoso).count() >= 60

    (org_admin_phone, *_), (group_admin_phone, *_), (member_phone, *_) = DEMO_LOGINS
    org_admin = log_in(org_admin_phone)
    # The org admin is in two organizations, so they choose first.
    assert "Choose an organization" in org_admin.content.decode()

    group_admin = log_in(group_admin_phone)
    assert group_admin.redirect_chain[-1][0] == reverse("groups:list", kwargs={"org_slug": "contoso"})
    assert [group.name for group in group_admin.context["page"]] == ["North"]
    users = group_admin.client.get(reverse("users:list", kwargs={"org_slug": "contoso"}))
    listed = {m.name for m in users.context["page"]}
    assert "Meera Member" in listed and "Asha Admin" not in listed

    member = log_in(member_phone)
    assert member.redirect_chain[-1][0] == reverse("groups:list", kwargs={"org_slug": "contoso"})


def test_seeding_twice_changes_nothing(db):
    call_command("seed_demo", users=10, stdout=StringIO())
    count = OrganizationUser.objects.count()
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert OrganizationUser.objects.count() == count


def test_demo_data_has_history_for_the_reports(db):
    call_command("seed_demo", users=60, stdout=StringIO())
    (org_admin_phone, *_), (group_admin_phone, *_), _ = DEMO_LOGINS
    reports = reverse("reports:index", kwargs={"org_slug": "contoso"})

    org_admin = log_in(org_admin_phone).client.get(reports, {"period": "12m"})
    joins_per_month = [joins for _, joins, _ in org_admin.context["activity"].rows]
    assert sum(1 for joins in joins_per_month if joins) >= 6
    removals_per_month = [removals for _, _, removals in org_admin.context["activity"].rows]
    assert sum(removals_per_month) >= 4 and sum(1 for removals in removals_per_month if removals) >= 2
    jobs_per_month = [sum(row[1:]) for row in org_admin.context["jobs"].rows]
    assert sum(jobs_per_month) == 11 and sum(1 for jobs in jobs_per_month if jobs) >= 4

    published = {row[0]: row[1:] for row in org_admin.context["publications"].rows}
    assert published["North"][0] == 2 and published["North"][2] == 1

    group_admin = log_in(group_admin_phone).client.get(reports)
    assert [row[0] for row in group_admin.context["members"].rows] == ["North"]
    assert sum(joins for _, joins, _ in group_admin.context["activity"].rows) > 0


def test_demo_data_has_actions_and_connectors_published_to_groups(db):
    call_command("seed_demo", users=10, stdout=StringIO())
    contoso = Organization.objects.get(slug="contoso")

    kinds = set(Action.objects.filter(organization=contoso).values_list("kind", flat=True))
    assert kinds == {"poll", "survey", "checklist", "announcement", "custom"}
    custom = Action.objects.get(organization=contoso, kind="custom")
    assert custom.package and custom.manifest["name"] == custom.name == "Clinic stock check"
    north = Group.objects.get(name="North")
    assert set(north.action_publications.values_list("action__name", flat=True)) == {
        "Daily attendance",
        "Quarterly pulse survey",
    }
    assert Connector.objects.filter(organization=contoso).count() == 2
    assert ConnectorPublication.objects.filter(connector__organization=contoso).count() == 2


def test_demo_data_gives_the_audit_log_a_story(db):
    call_command("seed_demo", users=60, stdout=StringIO())
    contoso = Organization.objects.get(slug="contoso")

    told = set(AuditEvent.objects.filter(organization=contoso).values_list("verb", flat=True))

    assert {
        AuditEvent.Verb.USER_ADDED,
        AuditEvent.Verb.USER_UPDATED,
        AuditEvent.Verb.GROUP_CREATED,
        AuditEvent.Verb.GROUP_MEMBER_ADDED,
        AuditEvent.Verb.GROUP_MEMBER_REMOVED,
        AuditEvent.Verb.GROUP_ROLE_CHANGED,
    } <= told
