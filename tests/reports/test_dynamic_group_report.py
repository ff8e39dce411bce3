"""Reports: a small section with each dynamic group's members and who its rule moved in the period."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from groups import dynamic
from groups.rules import Condition, Rule

from ..factories import AttributeDefinitionFactory, OrganizationUserFactory


def test_the_report_shows_who_each_dynamic_group_gained_and_lost_in_the_period(
    client_for, organization, org_admin, admin_group, group_admin, member
):
    department = AttributeDefinitionFactory(organization=organization, name="Department")
    kavya = OrganizationUserFactory(organization=organization, name="Kavya", attribute_values={department.key: "Fin"})
    OrganizationUserFactory(organization=organization, name="Arjun", attribute_values={department.key: "Fin"})
    rule = Rule(conditions=(Condition(department.pk, "Department", "string", "equals", "Fin"),))
    dynamic.set_rule(group=admin_group, rule=rule, changed_by=org_admin)  # 2 join, Meera leaves
    kavya.attribute_values = {}
    kavya.save()
    dynamic.refresh_dynamic_groups(organization=organization, actor=org_admin, cause=dynamic.Cause.EDIT)
    # A refresh long before the period counts for nothing.
    AuditEvent.objects.create(
        organization=organization,
        verb=AuditEvent.Verb.DYNAMIC_GROUP_REFRESHED,
        group=admin_group,
        details={"joined": 50, "left": 50},
        created_at=timezone.now() - timedelta(days=400),
    )

    response = client_for(org_admin).get(reverse("reports:index", kwargs={"org_slug": organization.slug}))

    table = response.context["dynamic_groups"]
    # Ravi (admin) and Arjun are in it now; Kavya and Arjun joined, Meera and then Kavya left.
    assert table.rows == [("Sales North", 2, 2, 2)]
    assert "Joined by the rule" in response.content.decode()


def test_without_dynamic_groups_the_section_is_not_shown(client_for, organization, org_admin, admin_group):
    response = client_for(org_admin).get(reverse("reports:index", kwargs={"org_slug": organization.slug}))
    assert response.context["dynamic_groups"].rows == []
    assert 'id="dynamic-groups"' not in response.content.decode()
