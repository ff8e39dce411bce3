from django import template

from users import names

register = template.Library()


@register.simple_tag
def person(user, name: str | None = "") -> str:
    """``{% person membership.user membership.name %}``: "Asha Rao (+91 98123 45678)", or the number once."""
    return names.label(user, name or "")
