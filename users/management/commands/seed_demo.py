"""Demo data: an organization to log into with each of the three roles."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from attributes.models import AttributeDefinition
from groups.models import Group, GroupMembership
from users import phones
from users.models import Organization, OrganizationUser, User
from users.services import NewUser, add_users

DEMO_PASSWORD = "kaizala-demo"
DEMO_LOGINS = [
    # (phone, name, role in the demo organization)
    ("+91 90000 00001", "Asha Admin", "organization admin"),
    ("+91 90000 00002", "Ravi Groupadmin", "group admin of Field Staff / North"),
    ("+91 90000 00003", "Meera Member", "member of Field Staff / North"),
]
FIRST_NAMES = [
    "Aarav",
    "Vivaan",
    "Aditya",
    "Diya",
    "Ananya",
    "Ishaan",
    "Kavya",
    "Rohan",
    "Saanvi",
    "Arjun",
    "Fatima",
    "Joseph",
    "Grace",
    "Wanjiru",
    "Chen",
    "Olivia",
    "Liam",
    "Zara",
    "Noah",
    "Amara",
    "प्रिया",
    "राहुल",
    "அருண்",
    "ਗੁਰਪ੍ਰੀਤ",
]
LAST_NAMES = [
    "Sharma",
    "Patel",
    "Iyer",
    "Reddy",
    "Khan",
    "Singh",
    "Das",
    "Nair",
    "Mehta",
    "Gupta",
    "Otieno",
    "Smith",
    "Okafor",
    "Wang",
    "Garcia",
    "शर्मा",
    "குமார்",
]
# Region, and a national-number template whose X's are random digits.
NUMBER_SHAPES = [
    ("IN", "9XXXXXXXXX"),
    ("IN", "8XXXXXXXXX"),
    ("IN", "7XXXXXXXXX"),
    ("IN", "6XXXXXXXXX"),
    ("US", "2025550XXX"),
    ("GB", "7700900XXX"),
    ("KE", "712XXXXXX"),
    ("AE", "50XXXXXXX"),
]


class Command(BaseCommand):
    help = "Create a demo organization with an org admin, a group admin, a member and a few hundred users."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=300)
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any organization exists.")

    def handle(self, *args, users, if_empty, **options):
        if if_empty and Organization.objects.exists():
            self.stdout.write("Demo data not loaded: the database already has organizations.")
            return
        if Organization.objects.filter(slug="contoso").exists():
            self.stdout.write("The demo organization already exists.")
            return
        with transaction.atomic():
            self._seed(user_count=users)
        self.stdout.write(
            self.style.SUCCESS(f"Demo organization 'Contoso Health' created. Logins (password {DEMO_PASSWORD!r}):")
        )
        for phone, name, role in DEMO_LOGINS:
            self.stdout.write(f"  {phone}  {name}, {role}")

    def _seed(self, *, user_count: int):
        organization = Organization.objects.create(name="Contoso Health", slug="contoso", default_region="IN")
        sister = Organization.objects.create(name="Fabrikam Logistics", slug="fabrikam", default_region="IN")
        admin, group_admin, member = (
            User.objects.create_user(phone, DEMO_PASSWORD, name=name) for phone, name, _ in DEMO_LOGINS
        )
        OrganizationUser.objects.create(organization=organization, user=admin, role=OrganizationUser.Role.ORG_ADMIN)
        OrganizationUser.objects.create(organization=sister, user=admin, role=OrganizationUser.Role.ORG_ADMIN)

        field_staff = Group.objects.create(name="Field Staff", organization=organization)
        north = Group.objects.create(name="Field Staff / North", parent=field_staff, organization=organization)
        south = Group.objects.create(name="Field Staff / South", parent=field_staff, organization=organization)
        head_office = Group.objects.create(name="Head Office", organization=organization)

        add_users(
            organization=organization,
            new_users=[NewUser(phone_number=u.phone_number, name=u.name) for u in (group_admin, member)],
            added_by=admin,
        )
        people = self._with_attributes(organization, self._random_people(user_count))
        add_users(organization=organization, new_users=people, added_by=admin)
        add_users(organization=sister, new_users=self._random_people(40, seed=7), added_by=admin)

        people = list(OrganizationUser.objects.filter(organization=organization, role="member").select_related("user"))
        memberships = [
            GroupMembership(group=field_staff, user=admin, role=GroupMembership.Role.ADMIN),
            GroupMembership(group=head_office, user=admin, role=GroupMembership.Role.ADMIN),
            GroupMembership(group=north, user=group_admin, role=GroupMembership.Role.ADMIN),
            GroupMembership(group=south, user=admin, role=GroupMembership.Role.ADMIN),
            GroupMembership(group=north, user=member, role=GroupMembership.Role.MEMBER),
        ]
        special = {admin.pk, group_admin.pk, member.pk}
        rng = random.Random(3)
        for org_user in people:
            if org_user.user_id in special:
                continue
            group = rng.choice([north, north, south, head_office, None])
            if group:
                memberships.append(GroupMembership(group=group, user=org_user.user, role=GroupMembership.Role.MEMBER))
        GroupMembership.objects.bulk_create(memberships)

    def _with_attributes(self, organization: Organization, people: list[NewUser]) -> list[NewUser]:
        """Give the demo organization a few attributes, and most people values for them."""
        employee_id, department, joined, grade, contractor = (
            AttributeDefinition.objects.create(
                organization=organization, name=name, value_type=value_type, position=position, catalogue_key=key
            )
            for position, (name, value_type, key) in enumerate(
                [
                    ("Employee ID", "string", "employee_id"),
                    ("Department", "string", "department"),
                    ("Date of joining", "datetime", "date_of_joining"),
                    ("Grade", "number", ""),
                    ("Contractor", "boolean", "is_contractor"),
                ]
            )
        )
        rng = random.Random(5)
        departments = ["Sales", "Operations", "Field Service", "Finance", "Customer Care"]
        with_values = []
        for number, person in enumerate(people, start=1001):
            values = {employee_id.key: f"E-{number}", department.key: rng.choice(departments)}
            if rng.random() < 0.8:
                values[joined.key] = f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                values[grade.key] = rng.randint(1, 12)
                values[contractor.key] = rng.random() < 0.2
            with_values.append(NewUser(phone_number=person.phone_number, name=person.name, attribute_values=values))
        return with_values

    def _random_people(self, count: int, *, seed: int = 1) -> list[NewUser]:
        rng = random.Random(seed)
        people: dict[str, NewUser] = {}
        while len(people) < count:
            region, shape = rng.choice(NUMBER_SHAPES)
            national = "".join(str(rng.randrange(10)) if c == "X" else c for c in shape)
            try:
                e164 = phones.normalize(national, region=region)
            except phones.InvalidPhoneNumber:
                continue
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            people[e164] = NewUser(phone_number=e164, name=name)
        return list(people.values())
