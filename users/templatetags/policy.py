from django import template

from kaizala_portal import policy

register = template.Library()


@register.filter
def can(viewer, action: str) -> bool:
    """``{% if viewer|can:"add_users" %}``: templates hide what the policy refuses."""
    return viewer is not None and policy.can(viewer, policy.Action(action))
