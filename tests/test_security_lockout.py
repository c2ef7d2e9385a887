"""Issue 21 item 4: anyone could lock any named account out for an hour, and behind the
recommended reverse proxy every user shared the proxy's address. Now failures lock the
pair (user, address), the address comes from X-Forwarded-For only behind
CHOSHO_TRUSTED_PROXIES proxies, the wait starts short and grows, `users unlock` ends it
and the planning division sees each lockout on the 操作記録 page."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from support.portal import PASSWORD, cli, client_for

pytestmark = pytest.mark.slow

pytest_plugins = ["support.portal"]


def _login(client, password, forwarded=None, username="digital"):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login/", {"username": username, "password": password}, headers=headers)


def test_behind_a_proxy_an_attacker_locks_only_their_own_address(people):
    attacker, victim = Client(), Client()
    with override_settings(CHOSHO_TRUSTED_PROXIES=1):
        for _ in range(5):
            _login(attacker, "wrong", "198.51.100.7")
        assert _login(attacker, PASSWORD, "198.51.100.7").status_code == 429
        # what a client writes to the left of the proxy's entry is not believed
        assert _login(attacker, PASSWORD, "203.0.113.9, 198.51.100.7").status_code == 429
        assert _login(victim, PASSWORD, "203.0.113.9").status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(people):
    c = Client()
    for n in range(5):
        _login(c, "wrong", f"203.0.113.{n}")  # a new address each time, as a spoofer would claim
    assert _login(c, PASSWORD, "203.0.113.99").status_code == 429


def test_the_wait_starts_short_and_grows_with_each_failure(people):
    c = Client()
    for _ in range(4):
        assert _login(c, "wrong").status_code == 200
    waits = []
    for _ in range(3):
        page = _login(c, "wrong")
        assert page.status_code == 429
        waits.append(page.content.decode().split("この端末から")[1].split("分")[0])
    assert waits == ["5", "10", "20"]
    with override_settings(CHOSHO_LOCKOUT_MINUTES=1):
        assert "この端末から8分" in _login(c, "wrong").content.decode()


def test_unlock_ends_a_lockout_and_planning_sees_it(people):
    from chosho_xlsx.portal.lockout import unlock

    c = Client()
    for _ in range(5):
        _login(c, "wrong")
    assert _login(c, PASSWORD).status_code == 429
    audit = client_for(people["planning"]).get("/audit/").content.decode()
    assert "ログイン制限" in audit and "digital（127.0.0.1、5分）" in audit
    assert audit.count("ログイン制限") == 1  # once per lockout, not per attempt while it lasts
    assert unlock("digital") >= 1
    assert _login(c, PASSWORD).status_code == 302


def test_users_unlock_command(tmp_path):
    data = tmp_path / "data"
    done = cli(data, "users", "unlock", "nobody")
    assert done.returncode == 0 and "nobody は止められていません" in done.stdout
