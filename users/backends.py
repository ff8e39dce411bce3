"""Logging in with a phone number written any common way."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum
from django.utils import timezone

from . import phones
from .models import Organization, User


def login_candidates(raw: str) -> set[str]:
    """E.164 numbers that ``raw`` may mean.

    International spellings mean one number. A national number is read in the
    region of every organization, since the login page does not know which one the
    person belongs to yet.
    """
    regions = {settings.DEFAULT_PHONE_REGION}
    regions.update(Organization.objects.values_list("default_region", flat=True).distinct())
    candidates = set()
    for region in sorted(regions):
        try:
            candidates.add(phones.normalize(raw, region=region))
        except phones.InvalidPhoneNumber:
            continue
    return candidates


class PhoneNumberBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        matches = list(User.objects.filter(phone_number__in=login_candidates(username))[:2])
        if len(matches) != 1:
            # Spend the same time as a real check, so that timing tells nothing.
            User().set_password(password)
            return None
        user = matches[0]
        if request is not None and account_locked_out(user.phone_number):
            # django-axes's middleware answers with its lockout page, as for a lockout of its own.
            request.axes_locked_out = True
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def account_locked_out(phone_number: str) -> bool:
    """Whether the account has failed LOGIN_ACCOUNT_FAILURE_LIMIT times, from all addresses, within the cool-off."""
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    failures = AccessAttempt.objects.filter(username=phone_number, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT


def axes_username(request, credentials) -> str:
    """The name django-axes counts failures under: the account the login resolves to, however it was written.

    A national spelling can mean a number in each organization's region; when one of them
    is an account, failures count against that account, as its international spelling's do.
    """
    credentials = credentials or {}
    raw = credentials.get("username") or credentials.get(User.USERNAME_FIELD) or ""
    candidates = login_candidates(raw)
    accounts = list(User.objects.filter(phone_number__in=candidates).values_list("phone_number", flat=True)[:2])
    if len(accounts) == 1:
        return accounts[0]
    return ",".join(sorted(candidates)) if candidates else raw.strip()
