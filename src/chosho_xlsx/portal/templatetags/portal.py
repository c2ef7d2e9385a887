from django import template

from chosho_xlsx.model import fiscal

register = template.Library()


@register.filter
def fy(year: int | None) -> str:
    """2024 → 「R6」."""
    return fiscal.label(year) if year else ""
