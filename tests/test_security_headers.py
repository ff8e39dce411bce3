"""Every page says what it may load: no inline or foreign scripts, no framing."""

from django.urls import reverse


def policy_of(response) -> dict[str, list[str]]:
    directives = [d.strip().split() for d in response["Content-Security-Policy"].split(";") if d.strip()]
    return {name: values for name, *values in directives}


def test_pages_forbid_inline_and_foreign_scripts(client, client_for, organization, org_admin):
    for response in [
        client.get(reverse("login")),
        client_for(org_admin).get(reverse("users:list", kwargs={"org_slug": organization.slug})),
    ]:
        policy = policy_of(response)
        assert policy["script-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_scripts(client_for, organization, org_admin):
    response = client_for(org_admin).get(reverse("attributes:change", kwargs={"org_slug": organization.slug}))
    content = response.content.decode()
    scripts = content.split("<script")[1:]
    # Only files of our own, and JSON data blocks (which browsers never run).
    assert scripts and all(' src="/static/' in s.split(">")[0] or 'type="application/json"' in s for s in scripts)
