"""Demo data: an organization to log into with each of the three roles."""

import io
import json
import random
import secrets
import zipfile
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from actions import services as actions
from actions.models import ActionPublication
from actions.packages import Package, read_package
from attributes.models import AttributeDefinition
from attributes.services import set_attribute_values
from audit.models import AuditEvent
from connectors import services as connectors
from connectors.models import ConnectorPublication
from exports import services as export_services
from exports.models import ExportJob
from groups.models import Group, GroupMembership
from groups.services import add_members, create_group, remove_member, set_member_role
from imports.models import ImportJob
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
    help = (
        "Create a demo organization with an org admin, a group admin, a member, a hierarchy of groups "
        "and a few hundred users."
    )

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
        (admin, admin_name), (group_admin, group_admin_name), (member, member_name) = (
            (User.objects.create_user(phone, DEMO_PASSWORD, own_name=name), name) for phone, name, _ in DEMO_LOGINS
        )
        # Each organization has its own name for Asha: neither sees the other's.
        OrganizationUser.objects.create(
            organization=organization, user=admin, name=admin_name, role=OrganizationUser.Role.ORG_ADMIN
        )
        OrganizationUser.objects.create(
            organization=sister, user=admin, name="Asha R. (Contoso liaison)", role=OrganizationUser.Role.ORG_ADMIN
        )

        # A tenth of the people are in the organization only through a mapped group.
        people = self._with_attributes(organization, self._random_people(user_count))
        through_group = people[: user_count // 10]
        add_users(
            organization=organization,
            new_users=[
                NewUser(phone_number=group_admin.phone_number, name=group_admin_name),
                NewUser(phone_number=member.phone_number, name=member_name),
            ],
            added_by=admin,
        )
        add_users(organization=organization, new_users=people[len(through_group) :], added_by=admin)
        add_users(organization=sister, new_users=self._random_people(40, seed=7), added_by=admin)

        # The hierarchy: Asha admins every group but North, which Ravi admins (and not its subgroup).
        def group(name, parent=None, admin_user=admin):
            return create_group(
                organization=organization,
                name=name,
                parent=parent,
                admin_phone_number=admin_user.phone_number,
                created_by=admin,
            )

        field_staff = group("Field Staff")
        north = group("North", field_staff, admin_user=group_admin)
        south = group("South", field_staff)
        clinics = group("Mobile Clinics", north)
        head_office = group("Head Office")
        finance = group("Finance", head_office)
        health_workers = group("Community Health Workers")
        add_members(group=north, phone_numbers=[member.phone_number], added_by=admin)
        add_members(group=health_workers, phone_numbers=[p.phone_number for p in through_group], added_by=admin)
        # Joining through a group brings no name; the organization has since given them theirs.
        for person in through_group:
            OrganizationUser.objects.filter(organization=organization, user__phone_number=person.phone_number).update(
                name=person.name
            )

        rng = random.Random(3)
        choices = [north, north, south, clinics, head_office, finance, None]
        assigned: dict[Group, list[str]] = {}
        for person in people[len(through_group) :]:
            chosen = rng.choice(choices)
            if chosen:
                assigned.setdefault(chosen, []).append(person.phone_number)
        for chosen, phone_numbers in assigned.items():
            add_members(group=chosen, phone_numbers=phone_numbers, added_by=admin)

        self._everyday_changes(organization, admin, finance)

        # Mapped to no organization yet: Asha admins it, so she can map it on Settings.
        partners = Group.objects.create(name="Partner Clinics")
        GroupMembership.objects.create(group=partners, user=admin, role=GroupMembership.Role.ADMIN)
        partner_people = self._random_people(8, seed=5)
        add_members(group=partners, phone_numbers=[p.phone_number for p in partner_people], added_by=admin)

        self._actions_and_connectors(
            organization, admin=admin, group_admin=group_admin, member=member, north=north, south=south
        )
        self._actions_and_connectors_elsewhere(organization, admin=admin, clinics=clinics, head_office=head_office)
        self._spread_joins(organization)
        self._past_removals(organization, admin, keep=[admin, group_admin, member])
        self._spread_publications(organization)
        self._past_jobs(organization, admin, group_admin)

    def _actions_and_connectors(self, organization, *, admin, group_admin, member, north, south):
        """A catalogue with something created by each login, some of it published to North."""
        attendance = actions.create_action(
            organization=organization,
            created_by=admin,
            name="Daily attendance",
            kind="checklist",
            description="Tick who turned up for the shift.",
        )
        survey = actions.create_action(
            organization=organization,
            created_by=group_admin,
            name="Quarterly pulse survey",
            kind="survey",
            description="Five questions on how the quarter went.",
            version="2.0",
        )
        actions.create_action(
            organization=organization,
            created_by=member,
            name="Team lunch poll",
            kind="poll",
            description="Where shall we eat on Friday?",
        )
        actions.create_action(
            organization=organization,
            created_by=admin,
            name="Safety notice",
            kind="announcement",
            description="Read and acknowledge the new safety rules.",
        )
        for group in (north, south):
            actions.publish_action(action=attendance, group=group, published_by=admin)
        actions.publish_action(action=survey, group=north, published_by=group_admin)
        roster, _ = connectors.register_connector(
            organization=organization,
            created_by=group_admin,
            name="Shift roster sync",
            description="Reads North's members to build the weekly roster.",
            callback_url="https://roster.example.com/kaizala/events",
            permissions=["read_group_members"],
        )
        connectors.publish_connector(connector=roster, group=north, published_by=group_admin)

    def _actions_and_connectors_elsewhere(self, organization, *, admin, clinics, head_office):
        content, package = _demo_package()
        stock_check = actions.create_action(
            organization=organization,
            created_by=admin,
            name=package.name,
            kind="custom",
            description=package.description,
            version=package.version,
            package=ContentFile(content, name="stock-check.zip"),
            manifest=package.manifest,
        )
        actions.publish_action(action=stock_check, group=clinics, published_by=admin)
        # The secrets are thrown away: whoever wants to try a demo connector makes a new one.
        tickets, _ = connectors.register_connector(
            organization=organization,
            created_by=admin,
            name="Helpdesk tickets",
            description="Posts a message when a ticket for the group is opened or closed.",
            callback_url="https://helpdesk.example.com/hooks/kaizala",
            permissions=["read_group_members", "post_messages"],
        )
        connectors.publish_connector(connector=tickets, group=head_office, published_by=admin)

    def _spread_joins(self, organization: Organization) -> None:
        """Back-date the memberships over the past months, so that the Reports show joins over time."""
        rng = random.Random(11)
        now = timezone.now()
        memberships = list(GroupMembership.objects.filter(group__organization=organization).order_by("pk"))
        for membership in memberships:
            # Admins came first; members trickled in, more of them lately.
            days_ago = (
                rng.randint(200, 400)
                if membership.role == GroupMembership.Role.ADMIN
                else int(rng.triangular(0, 240, 0))
            )
            membership.added_at = now - timedelta(days=days_ago, hours=rng.randint(0, 23))
        GroupMembership.objects.bulk_update(memberships, ["added_at"])

    def _past_removals(self, organization: Organization, admin: User, keep: list[User]) -> None:
        """Take a few people out of their groups, dated some time after they joined: removals for the Reports."""
        rng = random.Random(17)
        now = timezone.now()
        members = list(
            GroupMembership.objects.filter(group__organization=organization, role=GroupMembership.Role.MEMBER)
            .exclude(user__in=keep)
            .select_related("group", "user")
            .order_by("pk")
        )
        for membership in rng.sample(members, min(len(members) // 12, 30)):
            remove_member(membership=membership, removed_by=admin)
            removed_at = membership.added_at + (now - membership.added_at) * rng.random()
            AuditEvent.objects.filter(
                organization=organization,
                verb=AuditEvent.Verb.GROUP_MEMBER_REMOVED,
                group=membership.group,
                target=membership.user,
            ).update(created_at=removed_at)

    def _spread_publications(self, organization: Organization) -> None:
        """Back-date what was published, so that some of it falls before the Reports' period."""
        rng = random.Random(13)
        now = timezone.now()
        for model, of_organization in (
            (ActionPublication, {"action__organization": organization}),
            (ConnectorPublication, {"connector__organization": organization}),
        ):
            publications = list(model.objects.filter(**of_organization).order_by("pk"))
            for publication in publications:
                publication.published_at = now - timedelta(days=rng.randint(0, 150))
            model.objects.bulk_update(publications, ["published_at"])

    def _past_jobs(self, organization: Organization, admin: User, group_admin: User) -> None:
        """Imports and exports of the past months, with the small files they would have kept."""
        now = timezone.now()
        imports = [
            (150, ImportJob.Status.COMPLETED, 120, 0, ""),
            (120, ImportJob.Status.FAILED, 0, 0, "The file has no Phone Number column."),
            (95, ImportJob.Status.COMPLETED, 40, 12, ""),
            (60, ImportJob.Status.COMPLETED, 25, 30, ""),
            (33, ImportJob.Status.COMPLETED, 10, 5, ""),
            (12, ImportJob.Status.COMPLETED, 8, 20, ""),
        ]
        for days_ago, status, created, updated, failure in imports:
            when = now - timedelta(days=days_ago)
            job = ImportJob(
                organization=organization,
                uploaded_by=admin,
                file_name=f"staff-{when:%Y-%m-%d}.csv",
                token=secrets.token_hex(16),
                status=status,
                created_at=when,
                finished_at=when + timedelta(minutes=2),
                total_rows=created + updated,
                rows_done=created + updated,
                created_count=created,
                updated_count=updated,
                failure_reason=failure,
            )
            job.file.save(job.file_name, ContentFile(b"Name,Phone Number\n"), save=False)
            job.save()
        # Exports are written by the export itself, as a worker would: files that hold the users, and their counts.
        # Ravi's request fails for real: only an organization's admins may export its users.
        for days_ago, requester in [(140, admin), (70, admin), (45, group_admin), (20, admin), (3, admin)]:
            when = now - timedelta(days=days_ago)
            job = ExportJob.objects.create(
                organization=organization,
                requested_by=requester,
                file_name=f"contoso-users-{when:%Y-%m-%d}.csv",
                token=secrets.token_hex(16),
                created_at=when,
                queued_at=when,
            )
            export_services.run_export(job_id=job.pk, run_id=f"demo-{job.token}")
            finished = when + timedelta(minutes=1)
            ExportJob.objects.filter(pk=job.pk).update(finished_at=finished, heartbeat_at=finished)
            job.refresh_from_db()
            if job.error_log:  # written when it failed, just now: say when it failed in the story
                with job.error_log.open("wb") as log:
                    log.write(export_services.error_log_csv(job).encode())
            AuditEvent.objects.filter(
                organization=organization, verb=AuditEvent.Verb.EXPORT_FINISHED, details__job_id=job.pk
            ).update(created_at=finished)

    def _everyday_changes(self, organization: Organization, admin: User, finance: Group) -> None:
        """A few changes of the kind an admin makes every day, so that the Audit log has a story to tell."""
        finance_members = list(
            GroupMembership.objects.filter(group=finance, role=GroupMembership.Role.MEMBER)
            .select_related("group", "user")
            .order_by("user__phone_number")[:2]
        )
        if len(finance_members) < 2:
            return
        promoted, leaving = finance_members
        set_member_role(membership=promoted, role=GroupMembership.Role.ADMIN, changed_by=admin)
        remove_member(membership=leaving, removed_by=admin)
        department = AttributeDefinition.objects.get(organization=organization, catalogue_key="department")
        org_user = OrganizationUser.objects.select_related("user").get(organization=organization, user=promoted.user)
        set_attribute_values(org_user=org_user, values={department: "Finance"}, changed_by=admin)

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


def _demo_package() -> tuple[bytes, Package]:
    """A small custom Action package, checked like any upload."""
    manifest = {
        "name": "Clinic stock check",
        "version": "1.3.0",
        "description": "Count the medicines on the shelf and flag what runs low.",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("index.html", "<!doctype html><title>Clinic stock check</title><h1>Stock check</h1>")
    content = buffer.getvalue()
    return content, read_package(io.BytesIO(content), size=len(content))
