import pytest
from django.test import Client
from django.urls import reverse

from ..factories import PASSWORD, OrganizationFactory, OrganizationUserFactory, UserFactory


@pytest.fixture
def priya(db):
    organization = OrganizationFactory(name="Contoso", slug="contoso", default_region="IN")
    return OrganizationUserFactory(
        organization=organization, name="Priya", user=UserFactory(phone_number="+919812345678")
    ).user


def log_in(client, phone, password=PASSWORD):
    return client.post(reverse("login"), {"username": phone, "password": password})


@pytest.mark.parametrize("written", ["+91 98123 45678", "0091-9812345678", "98123 45678", "098123-45678"])
def test_log_in_with_the_number_written_any_common_way(client, priya, written):
    response = log_in(client, written)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(priya.pk)


def test_a_national_number_is_read_in_the_region_of_the_organizations(client, db):
    organization = OrganizationFactory(default_region="GB")
    user = OrganizationUserFactory(organization=organization, user=UserFactory(phone_number="+447911123456")).user
    log_in(client, "07911 123456")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("phone", "password"), [("+91 98123 45678", "not the password"), ("+91 98123 00000", PASSWORD)]
)
def test_a_wrong_number_or_password_says_so_without_saying_which_part_was_wrong(client, priya, phone, password):
    response = log_in(client, phone, password)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Enter a correct phone number and password." in content
    assert "case-sensitive" not in content  # a phone number has no case
    assert "_auth_user_id" not in client.session


def test_the_admin_sites_login_says_the_same_of_phone_numbers(client, priya):
    response = client.post(reverse("admin:login"), {"username": "+91 98123 45678", "password": "not the password"})
    content = response.content.decode()
    assert "Enter a correct phone number and password for a staff account." in content
    assert "case-sensitive" not in content
    assert "_auth_user_id" not in client.session


def test_after_five_failures_the_number_is_paused_whatever_way_it_is_written(client, priya):
    for written in ["+91 98123 45678", "0091 98123 45678", "98123 45678", "098123 45678", "+919812345678"]:
        log_in(client, written, "wrong")
    response = log_in(client, "+91-98123-45678")  # the right password, too late
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_every_page_but_login_requires_logging_in(client, priya):
    for url in [reverse("home"), reverse("users:list", kwargs={"org_slug": "contoso"}), reverse("password_change")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("login")).status_code == 200


def test_log_out_ends_the_session(client, priya):
    log_in(client, "+91 98123 45678")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_change_password(client, priya):
    log_in(client, "+91 98123 45678")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert response.status_code == 302
    priya.refresh_from_db()
    assert priya.check_password("a new long passphrase")


def test_change_password_refuses_a_wrong_old_password(client, priya):
    log_in(client, "+91 98123 45678")
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "a new long passphrase", "new_password2": "a new long passphrase"},
    )
    assert "Your old password was entered incorrectly" in response.content.decode()
    priya.refresh_from_db()
    assert priya.check_password(PASSWORD)


def test_a_user_added_without_a_password_cannot_log_in(client, db):
    user = UserFactory(phone_number="+919812300000")
    user.set_unusable_password()
    user.save()
    log_in(client, "+91 98123 00000", "")
    assert "_auth_user_id" not in Client().session


def test_a_national_spelling_counts_against_the_same_account_whatever_the_regions(client, priya):
    OrganizationFactory(default_region="GB")  # "098123 45678" may now mean a GB number too
    for _attempt in range(5):
        log_in(client, "+91 98123 45678", "wrong")
    response = log_in(client, "098123 45678")  # the right password, in the national spelling
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_guessing_the_old_password_is_throttled_like_logging_in(client, priya):
    log_in(client, "+91 98123 45678")
    change = reverse("password_change")
    new = {"new_password1": "a new long passphrase", "new_password2": "a new long passphrase"}
    for _attempt in range(5):
        client.post(change, {"old_password": "guess", **new})
    response = client.post(change, {"old_password": PASSWORD, **new})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    priya.refresh_from_db()
    assert priya.check_password(PASSWORD)


def test_failures_from_many_addresses_add_up_against_the_account(client, priya, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 8
    for address in ("192.0.2.1", "192.0.2.2"):
        for _attempt in range(4):  # under the per-address limit of 5 each
            client.post(reverse("login"), {"username": "+91 98123 45678", "password": "x"}, REMOTE_ADDR=address)
    response = client.post(
        reverse("login"), {"username": "+91 98123 45678", "password": PASSWORD}, REMOTE_ADDR="192.0.2.3"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
