import factory
from factory.django import DjangoModelFactory

from attributes.models import AttributeDefinition
from audit.models import AuditEvent
from groups.models import Group, GroupMembership
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
