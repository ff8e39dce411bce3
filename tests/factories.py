import factory
from factory.django import DjangoModelFactory

from attributes.models import AttributeDefinition
from audit.models import AuditEvent
from bulk_actions.models import BulkJob
from exports.models import ExportJob
from group_imports.models import GroupImportJob
from groups.models import Group, GroupMembership
from imports.models import ImportJob
from users.models import Organization, OrganizationUser, User

PASSWORD = "correct horse battery staple"


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    default_region = "IN"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    # Valid Indian mobile numbers: +91 98 followed by eight digits.
    phone_number = factory.Sequence(lambda n: f"+9198{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class OrganizationUserFactory(DjangoModelFactory):
    class Meta:
        model = OrganizationUser

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    # The organization's own name for the person.
    name = factory.Faker("name")
    role = OrganizationUser.Role.MEMBER


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n}")
    organization = factory.SubFactory(OrganizationFactory)


class GroupMembershipFactory(DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    role = GroupMembership.Role.MEMBER


class AttributeDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = AttributeDefinition

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Attribute {n}")
    value_type = "string"
    position = factory.Sequence(lambda n: n)


class AuditEventFactory(DjangoModelFactory):
    """An event as the services write them; for pages that need many, or some in the past."""

    class Meta:
        model = AuditEvent

    organization = factory.SubFactory(OrganizationFactory)
    verb = AuditEvent.Verb.USER_UPDATED
    actor_label = "Asha Admin (+91 98000 00001)"
    target_label = factory.Sequence(lambda n: f"Person {n} (+91 97000 {n:05d})")
    details = factory.LazyFunction(lambda: {"changes": [{"attribute": "Department", "before": "", "after": "Sales"}]})


class ImportJobFactory(DjangoModelFactory):
    """An upload's job row, without its file: for what happens to the job, not to the rows."""

    class Meta:
        model = ImportJob

    organization = factory.SubFactory(OrganizationFactory)
    file_name = factory.Sequence(lambda n: f"team-{n}.csv")
    token = factory.Sequence(lambda n: f"import-{n}")


class ExportJobFactory(DjangoModelFactory):
    class Meta:
        model = ExportJob

    organization = factory.SubFactory(OrganizationFactory)
    file_name = factory.Sequence(lambda n: f"users-{n}.csv")
    token = factory.Sequence(lambda n: f"export-{n}")


class BulkJobFactory(DjangoModelFactory):
    class Meta:
        model = BulkJob

    organization = factory.SubFactory(OrganizationFactory)
    kind = BulkJob.Kind.DELETE
    selected_count = 3


class GroupImportJobFactory(DjangoModelFactory):
    """A group upload's job row, without its file: for what happens to the job, not to the rows."""

    class Meta:
        model = GroupImportJob

    organization = factory.SubFactory(OrganizationFactory)
    kind = GroupImportJob.Kind.USER_MAPPING
    file_name = factory.Sequence(lambda n: f"groups-{n}.csv")
    token = factory.Sequence(lambda n: f"group-import-{n}")
