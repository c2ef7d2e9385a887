from django import template

from ... import fiscal

register = template.Library()


@register.filter
def fy(year: int | None) -> str:
    """2024 → 「R6」."""
    return fiscal.label(year) if year else ""
