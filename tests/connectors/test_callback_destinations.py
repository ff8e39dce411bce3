"""Callback URLs go to servers on the public internet, never to the portal's own machine or network.

Host names are answered by the ``dns`` fixture (tests/connectors/conftest.py), not the network.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from connectors.destinations import RefusedDestination, refuse_internal
from connectors.models import Connector

FORM = {"name": "CRM sync", "description": "", "permissions": ["post_messages"]}

HOST = "The callback URL's host"
OUTSIDE_ONLY = "callbacks go only to servers on the public internet."
FULL_URL_NEEDED = (
    "Write the callback URL in full, starting with https:// and the host, as in https://crm.example.com/kaizala."
)


def create_url():
    return reverse("connectors:create", kwargs={"org_slug": "contoso"})


def loopback(host):
    return f"{HOST} {host} is a loopback address (this very server): {OUTSIDE_ONLY}"


HOSTILE = [
    ("https://127.0.0.1:6379/", loopback("127.0.0.1")),
    ("http://127.0.0.1:6379/", loopback("127.0.0.1")),
    ("https://[::1]/", loopback("::1")),
    ("http://[::1]/", loopback("::1")),
    (
        "https://169.254.169.254/latest/meta-data/",
        f"{HOST} 169.254.169.254 is a link-local address (where cloud metadata services live): {OUTSIDE_ONLY}",
    ),
    (
        "http://169.254.169.254/latest/meta-data/",
        f"{HOST} 169.254.169.254 is a link-local address (where cloud metadata services live): {OUTSIDE_ONLY}",
    ),
    ("https://[fe80::1]/", f"{HOST} fe80::1 is a link-local address (where cloud metadata services live)"),
    ("https://10.0.0.5/", f"{HOST} 10.0.0.5 is a private network address: {OUTSIDE_ONLY}"),
    ("http://10.0.0.5/", f"{HOST} 10.0.0.5 is a private network address: {OUTSIDE_ONLY}"),
    ("https://192.168.1.1/", f"{HOST} 192.168.1.1 is a private network address"),
    ("https://[fd00::1]/", f"{HOST} fd00::1 is a private network address"),
    ("https://0.0.0.0/", f"{HOST} 0.0.0.0 is the unspecified address (this very server): {OUTSIDE_ONLY}"),
    ("https://[::]/", f"{HOST} :: is the unspecified address (this very server)"),
    ("https://224.0.0.1/", f"{HOST} 224.0.0.1 is a multicast address: {OUTSIDE_ONLY}"),
    # Globally scoped multicast, which Python's is_global calls global.
    ("https://[ff0e::1]/", f"{HOST} ff0e::1 is a multicast address"),
    ("https://240.0.0.1/", f"{HOST} 240.0.0.1 is a reserved address"),
    ("https://100.64.0.1/", f"{HOST} 100.64.0.1 is not a public internet address"),
    ("https://[::ffff:127.0.0.1]/", f"{HOST} ::ffff:127.0.0.1 points to 127.0.0.1, a loopback address"),
    ("https://localhost/", f"{HOST} localhost points to "),
    ("http://localhost:8001/hook", f"{HOST} localhost points to "),
    ("//127.0.0.1:6379/", FULL_URL_NEEDED),
    ("127.0.0.1:6379", FULL_URL_NEEDED),
    ("//crm.example.com/kaizala", FULL_URL_NEEDED),
    ("crm.example.com/kaizala", FULL_URL_NEEDED),
    ("ftp://crm.example.com/", "A callback URL starts with https:// (or http://): events are delivered over HTTP."),
    (
        "https://no-such-host.invalid/",
        f"{HOST} no-such-host.invalid does not resolve to an address; check the spelling.",
    ),
    # Django's URL check already refuses these spellings of 127.0.0.1; refuse_internal does too (below).
    ("https://2130706433/", "Enter a valid URL."),
    ("https://0x7f.1/", "Enter a valid URL."),
    ("https://017700000001/", "Enter a valid URL."),
]


@pytest.mark.parametrize(("callback_url", "message"), HOSTILE, ids=[url for url, _ in HOSTILE])
def test_a_callback_url_to_an_internal_or_unclear_destination_is_refused_and_registers_nothing(
    client_for, org_admin, settings, callback_url, message
):
    # Off, so that no refusal here comes from the https rule.
    settings.CONNECTORS_REQUIRE_HTTPS = False

    response = client_for(org_admin).post(create_url(), {**FORM, "callback_url": callback_url})

    assert response.status_code == 200
    [error] = response.context["form"].errors["callback_url"]
    assert error.startswith(message)
    assert escape(error) in response.content.decode()
    assert not Connector.objects.exists()


def test_a_host_name_that_resolves_to_a_private_address_is_refused(client_for, org_admin, dns):
    dns["intranet.example"] = "10.0.0.5"

    response = client_for(org_admin).post(create_url(), {**FORM, "callback_url": "https://intranet.example/hook"})

    assert response.context["form"].errors["callback_url"] == [
        f"{HOST} intranet.example points to 10.0.0.5, a private network address: {OUTSIDE_ONLY}"
    ]
    assert not Connector.objects.exists()


def test_a_host_name_is_refused_when_any_one_of_its_addresses_is_internal(dns):
    dns["split.example"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "127.0.0.1"]

    with pytest.raises(RefusedDestination, match="split.example points to 127.0.0.1, a loopback address"):
        refuse_internal("https://split.example/hook")


def test_a_host_name_that_resolves_to_a_public_address_is_registered(client_for, org_admin, dns):
    dns["hooks.contoso-crm.com"] = "93.184.216.34"

    response = client_for(org_admin).post(
        create_url(), {**FORM, "callback_url": "https://hooks.contoso-crm.com/kaizala"}
    )

    assert response.status_code == 200
    assert Connector.objects.get().callback_url == "https://hooks.contoso-crm.com/kaizala"


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hook",
        "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
        "https://[::ffff:93.184.216.34]/hook",
        "http://crm.example.com:8443/hook",
    ],
)
def test_public_addresses_are_accepted(url):
    refuse_internal(url)


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",
        "0x7f.1",
        "017700000001",
        "0177.0.0.1",
        "127.1",
        # IPv4 inside IPv6: 6to4, NAT64's well-known prefix.
        "[2002:7f00:1::]",
        "[64:ff9b::7f00:1]",
    ],
)
def test_other_spellings_of_loopback_are_refused_for_what_they_reach(host):
    with pytest.raises(RefusedDestination, match=r"points to 127\.0\.0\.1, a loopback address"):
        refuse_internal(f"https://{host}/")


def test_an_ipv4_compatible_ipv6_address_is_refused_as_reserved():
    with pytest.raises(RefusedDestination, match="::7f00:1 is a reserved address"):
        refuse_internal("https://[::7f00:1]/")


@pytest.mark.parametrize("url", ["", "//127.0.0.1:6379/", "127.0.0.1:6379", "https:///hook", "https://:443/"])
def test_a_url_without_a_scheme_or_host_is_refused(url):
    with pytest.raises(RefusedDestination) as refused:
        refuse_internal(url)

    assert str(refused.value) == FULL_URL_NEEDED


def test_the_refusal_is_a_validation_error_that_reads_as_its_reason():
    """So a form shows it as a field error, and delivery, when it exists, can log it as it is."""
    with pytest.raises(ValidationError) as refused:
        refuse_internal("https://10.0.0.5/")

    assert str(refused.value) == f"{HOST} 10.0.0.5 is a private network address: {OUTSIDE_ONLY}"
