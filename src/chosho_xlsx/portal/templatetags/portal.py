from django import template

from chosho_xlsx.model import fiscal

register = template.Library()


@register.filter
def fy(year: int | None) -> str:
    """2024 → 「R6」."""
    return fiscal.label(year) if year else ""


@register.filter
def wait_minutes(wait) -> int:
    """A lockout's wait (a timedelta) in whole minutes, at least 1."""
    from chosho_xlsx.portal.lockout import minutes

    return minutes(wait) if wait is not None else 0
