"""Production settings: password hashing and `check --deploy` (docs/security.md)."""

import json
import os
import secrets
import subprocess
import sys

from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.test import override_settings

from chatplatform import settings as production
from tests.live import BASE_DIR


def test_it_hashes_passwords_with_argon2_in_production():
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        encoded = make_password("correct horse battery staple")
        assert encoded.startswith("argon2$argon2id$")
        assert identify_hasher(encoded).algorithm == "argon2"
        assert check_password("correct horse battery staple", encoded)


def test_it_still_accepts_pbkdf2_hashes_and_upgrades_them():
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        old = get_hasher("pbkdf2_sha256").encode(
            "correct horse battery staple", get_hasher("pbkdf2_sha256").salt()
        )
        upgraded = []
        assert check_password("correct horse battery staple", old, setter=upgraded.append)
        assert upgraded == ["correct horse battery staple"]  # Django re-hashes with the first hasher


def production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "CSRF_", "SESSION_"))
    }
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "chatplatform.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "chat.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://chat.example.com",
            "PUBLIC_URL": "https://chat.example.com",
            "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.com:587",
            **extra,
        }
    )
    return env


def run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_a_production_environment(tmp_path):
    result = run_deploy_check(production_env(VAR_DIR=str(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_fails_the_deploy_check_when_hsts_is_turned_off(tmp_path):
    # The check really runs: silencing is limited to the two documented warnings.
    result = run_deploy_check(production_env(VAR_DIR=str(tmp_path), SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def read_settings(env: dict[str, str], *names: str) -> list[str]:
    code = (
        f"from django.conf import settings as s; print(*[repr(getattr(s, n)) for n in {names!r}], sep='\\n')"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")[: len(names)]


def test_it_makes_cookies_secure_and_sends_hsts_unless_debug(tmp_path):
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT")
    assert read_settings(production_env(VAR_DIR=str(tmp_path)), *names) == [
        "True",
        "True",
        "31536000",
        "False",
    ]
    debug = production_env(VAR_DIR=str(tmp_path), DEBUG="1", SECURE_SSL_REDIRECT="1")
    assert read_settings(debug, *names) == ["False", "False", "0", "True"]


def test_it_shares_the_cache_through_redis_when_redis_url_is_set(tmp_path):
    env = production_env(VAR_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/3")
    (backend,) = read_settings(env, "CACHES")
    assert "django.core.cache.backends.redis.RedisCache" in backend
    (backend,) = read_settings(production_env(VAR_DIR=str(tmp_path)), "CACHES")
    assert "LocMemCache" in backend


def settings_import(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_there_is_no_built_in_secret_key_in_any_mode(tmp_path):
    """Observed: with DEBUG=1 and no SECRET_KEY, a hard-coded key signed export links."""
    for debug in ("1", "0"):
        env = production_env(DEBUG=debug, CHAT_ENV_FILE=str(tmp_path / "none.env"))
        del env["SECRET_KEY"]
        result = settings_import(env)
        assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr, (
            debug,
            result.stderr[-500:],
        )
    short = settings_import(production_env(SECRET_KEY="change-me", CHAT_ENV_FILE=str(tmp_path / "none.env")))
    assert short.returncode != 0 and "too short" in short.stderr
    env_file = tmp_path / "local.env"
    env_file.write_text(f"DEBUG=1\nSECRET_KEY={secrets.token_urlsafe(50)}\n")  # what `make run` writes
    env = production_env(DEBUG="1", CHAT_ENV_FILE=str(env_file))
    del env["SECRET_KEY"], env["DEBUG"]
    assert settings_import(env).stdout.strip() == "started"


def test_production_refuses_to_start_without_a_mail_server_and_never_prints_mail(tmp_path):
    """Observed: EMAIL_URL defaulted to consolemail://, so the log held whole transcripts."""
    env = production_env(CHAT_ENV_FILE=str(tmp_path / "none.env"))
    del env["EMAIL_URL"]
    missing = settings_import(env)
    assert missing.returncode != 0 and "EMAIL_URL is not set" in missing.stderr
    printed = settings_import(production_env(EMAIL_URL="consolemail://", CHAT_ENV_FILE=str(tmp_path / "x")))
    assert printed.returncode != 0 and "print every mail" in printed.stderr


def test_the_embedded_mode_keeps_mail_and_celery_queues_owner_only(tmp_path):
    env = production_env(DEBUG="1", VAR_DIR=str(tmp_path / "var"), CHAT_ENV_FILE=str(tmp_path / "none.env"))
    del env["EMAIL_URL"]
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND); print(settings.CELERY_BROKER_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["chatplatform.mail.PrivateFileEmailBackend", "filesystem://"], (
        result.stderr
    )
    for folder in ("celery", "celery/queue", "celery/processed", "celery/control"):
        assert (tmp_path / "var" / folder).stat().st_mode & 0o777 == 0o700, folder


def test_the_abuse_limits_ship_the_documented_defaults(tmp_path):
    env = {
        k: v for k, v in production_env(CHAT_ENV_FILE=str(tmp_path / "none")).items() if "CHAT_LIMIT" not in k
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CHAT_LIMITS, s.CHAT_LIMIT_SOCKETS_PER_ADDRESS, "
        "s.CHAT_LIMIT_SESSION_STARTS_PER_SOCKET]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    limits, sockets, starts = json.loads(result.stdout)
    assert limits == {
        "new_visitors_per_address": [20, 60],
        "new_visitors_per_site": [300, 60],
        "new_conversations_per_address": [20, 60],
        "new_conversations_per_site": [300, 60],
        "site_emails": [30, 3600],
        "transcripts_per_address": [3, 86400],
        "transcripts_per_site": [30, 3600],
    }
    assert (sockets, starts) == (30, 3)
