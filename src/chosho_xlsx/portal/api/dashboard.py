"""/api/v1/dashboard: the planning division's 提出状況 of a 実施年度, as the page shows it."""

from __future__ import annotations

from ninja import Query, Router

from chosho_xlsx.model import fiscal
from chosho_xlsx.portal.services import review

from . import auth
from .common import errors
from .policies import Year
from .schemas import Dashboard

router = Router(tags=["提出状況（企画課）"])


@router.get("", response={200: Dashboard, **errors(400, 403)}, auth=auth.planning, operation_id="get_dashboard",
            summary="提出状況", description="ある実施年度の施策すべてと、その状態・最新の版・提出された版、状態ごとの数。")
def get_dashboard(request, q: Query[Year]):
    board = review.dashboard(review.year_asked(q.year))
    return {
        "fiscal_year": fiscal.label(board.year) if board.year else None,
        "counts": board.counts,
        "policies": [{
            "id": r.policy.pk, "policy": r.policy.name, "section": r.policy.section, "status": r.status,
            "latest_version": r.latest.version if r.latest else None,
            "latest_id": r.latest.pk if r.latest else None,
            "submitted_id": r.policy.submitted_id,
        } for r in board.rows],
    }
