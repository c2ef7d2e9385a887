"""Who calls the API: `Authorization: Bearer TOKEN` (from `chosho-xlsx users token NAME`;
the Profile keeps only its sha256), as django-ninja auth, so that the schema says so and
401/403 come before the request's fields are even read."""

from __future__ import annotations

from ninja.security import HttpBearer

from chosho_xlsx.portal.access import token_hash
from chosho_xlsx.portal.errors import Forbidden
from chosho_xlsx.portal.models import Profile
from chosho_xlsx.portal.words import say


class Token(HttpBearer):
    """The one security scheme of the schema (both roles carry the same kind of token);
    `Token(planning=True)` refuses a department's token with 403."""

    openapi_description = ("chosho-xlsx users token NAME で発行したトークン。"
                           "`Authorization: Bearer <トークン>` で送ります。")

    def __init__(self, planning: bool = False, department: bool = False):
        super().__init__()
        self.planning, self.department = planning, department

    def authenticate(self, request, token: str):
        token = token.strip()
        if not token:
            return None
        # [:1], not first(): no ORDER BY to build for the one row a hash finds (every API
        # request starts here; first() cost ~0.3 ms more of the server's CPU)
        found = Profile.objects.select_related("user").filter(token_hash=token_hash(token),
                                                               user__is_active=True)[:1]
        profile = next(iter(found), None)
        if profile is None:
            return None
        # raised here, before the fields are read: the wrong role is 403 whatever it sent
        if self.planning and not profile.planning:
            raise Forbidden(say("api-planning-only"))
        if self.department and profile.planning:
            raise Forbidden(say("api-departments-only"))
        request.user = profile.user
        return profile.user


anyone = Token()
planning = Token(planning=True)
department = Token(department=True)
