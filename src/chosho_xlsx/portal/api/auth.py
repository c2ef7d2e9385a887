"""Who calls the API: `Authorization: Bearer TOKEN` (from `chosho-xlsx users token NAME`;
the Profile keeps only its sha256), as django-ninja auth, so that the schema says so and
401/403 come before the request's fields are even read."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from ninja.security import HttpBearer

from chosho_xlsx.portal.access import token_hash
from chosho_xlsx.portal.errors import Forbidden
from chosho_xlsx.portal.models import Profile
from chosho_xlsx.portal.words import say


def by_token(digest: str):
    """The user whose Profile holds this token hash, with that profile (user.profile asks
    the database nothing more), or None. One statement written out: every API request
    starts here, and Django compiling `Profile.objects.select_related("user").filter(…)`
    cost ~0.25 ms of the server's CPU more than running it (issue 22)."""
    User, qn = get_user_model(), connection.ops.quote_name
    users, profiles = User._meta, Profile._meta

    def column(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    sql = (f"SELECT u.*, p.{column(profiles, 'id')} AS chosho_profile_id, p.{column(profiles, 'role')} AS "  # nosec B608  # names from the models' _meta, quoted; values as parameters
           f"chosho_profile_role, p.{column(profiles, 'section')} AS chosho_profile_section "
           f"FROM {qn(users.db_table)} u JOIN {qn(profiles.db_table)} p ON p.{column(profiles, 'user')} = "
           f"u.{column(users, 'id')} WHERE p.{column(profiles, 'token_hash')} = %s")
    user = next(iter(User.objects.raw(sql, [digest])), None)
    if user is None:
        return None
    own = vars(user)
    user.profile = Profile.from_db(connection.alias, ["id", "user_id", "role", "section", "token_hash"],
                                   [own.pop("chosho_profile_id"), user.pk, own.pop("chosho_profile_role"),
                                    own.pop("chosho_profile_section"), digest])
    return user


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
        user = by_token(token_hash(token))
        if user is None or not user.is_active:
            return None
        profile = user.profile
        # raised here, before the fields are read: the wrong role is 403 whatever it sent
        if self.planning and not profile.planning:
            raise Forbidden(say("api-planning-only"))
        if self.department and profile.planning:
            raise Forbidden(say("api-departments-only"))
        request.user = user
        return user


anyone = Token()
planning = Token(planning=True)
department = Token(department=True)
