"""People of the suite, named for who they are (after Zulip's example users).

``organization`` has an org admin, a group admin (of ``admin_group``), a member of
that group, and a plain member; ``other_organization`` has its own admin and users.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from groups.models import GroupMembership
from kaizala_portal import localservices
from users.models import OrganizationUser

from .celery_support import delete_keys, running_worker
from .factories import GroupFactory, GroupMembershipFactory, OrganizationFactory, OrganizationUserFactory, UserFactory
from .object_storage import running_object_store

# Property tests: the suite runs the same examples every time, few enough to stay within a
# minute on a small machine; HYPOTHESIS_PROFILE=fuzz searches longer with fresh random ones.
# Examples share their test's fixtures (each rolls its own writes back), hence the health check.
_PROPERTY_TESTS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("suite", max_examples=100, derandomize=True, database=None, **_PROPERTY_TESTS)
hypothesis_settings.register_profile("fuzz", max_examples=1000, **_PROPERTY_TESTS)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@pytest.fixture(autouse=True)
def private_storage():
    """Uploaded and generated files of a test are gone after it."""
    yield settings.PRIVATE_STORAGE_ROOT
    shutil.rmtree(settings.PRIVATE_STORAGE_ROOT, ignore_errors=True)


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Contoso", slug="contoso")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Fabrikam", slug="fabrikam")


def _org_user(organization, *, name, role=OrganizationUser.Role.MEMBER, **user_fields):
    """A person of ``organization``, which knows them as ``name`` (no other organization does)."""
    return OrganizationUserFactory(
        organization=organization, role=role, name=name, user=UserFactory(**user_fields)
    ).user


@pytest.fixture
def org_admin(organization):
    return _org_user(organization, role=OrganizationUser.Role.ORG_ADMIN, name="Asha Admin")


@pytest.fixture
def admin_group(organization):
    return GroupFactory(organization=organization, name="Sales North")


@pytest.fixture
def group_admin(organization, admin_group):
    user = _org_user(organization, name="Ravi Groupadmin")
    GroupMembershipFactory(group=admin_group, user=user, role=GroupMembership.Role.ADMIN)
    return user


@pytest.fixture
def member(organization, admin_group):
    user = _org_user(organization, name="Meera Member")
    GroupMembershipFactory(group=admin_group, user=user)
    return user


@pytest.fixture
def outsider_member(organization):
    """A member of the organization in no group the group admin runs."""
    return _org_user(organization, name="Omar Outsider")


@pytest.fixture
def other_org_admin(other_organization):
    return _org_user(other_organization, role=OrganizationUser.Role.ORG_ADMIN, name="Fiona Fabrikam")


@pytest.fixture
def other_org_member(other_organization):
    return _org_user(other_organization, name="Felix Fabrikam")


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True, own_name="Sam Superuser")


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(scope="session", autouse=True)
def _no_redis_keys_left_behind():
    """Tests that only enqueue (a view creating a job, say) use the broker too: clear its keys of every run."""
    yield
    if localservices.redis_answers(settings.CELERY_BROKER_URL):
        delete_keys(settings.CELERY_BROKER_URL, settings.CELERY_KEY_PREFIX)


@pytest.fixture(scope="session")
def redis_url():
    """The test Redis (the machine's, or one of our own when none answers); our keys go at the end."""
    url = settings.CELERY_BROKER_URL
    process = None if localservices.redis_answers(url) else localservices.start_redis(url)
    try:
        yield url
    finally:
        delete_keys(url, settings.CELERY_KEY_PREFIX)
        if process:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def celery_worker(redis_url):
    """A real ``celery worker`` process on the test broker."""
    with running_worker() as worker:
        yield worker


@pytest.fixture(scope="session")
def object_store():
    """An S3 HTTP API (moto's server) for the run."""
    with running_object_store() as store:
        yield store


@pytest.fixture
def in_a_bucket(settings, object_store):
    """Private files of this test in a bucket of its own on the S3 API, as with AWS_STORAGE_BUCKET_NAME set."""
    bucket = object_store.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": object_store.storage_settings(bucket)}
    return bucket
