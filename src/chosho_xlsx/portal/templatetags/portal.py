from django import template

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.lockout import minutes

register = template.Library()


@register.filter
def fy(year: int | None) -> str:
    """2024 → 「R6」."""
    return fiscal.label(year) if year else ""


@register.filter
def wait_minutes(wait) -> int:
    """A lockout's wait (a timedelta) in whole minutes, at least 1."""
    return minutes(wait) if wait is not None else 0


@register.filter
def cell_anchor(sheet: str, cell: str) -> str:
    """The id of a marked cell in the grid (「事業」, 「F3」 → 「cell-事業-F3」), the target of
    the findings table's 場所 links."""
    return f"cell-{sheet}-{cell}"
