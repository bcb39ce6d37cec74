"""Configuration from the environment, read when the app is created (never at import)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE.parent


def installed() -> bool:
    """Whether this is an installed wheel (setup.py puts the templates inside it), not a checkout."""
    return (PACKAGE / "templates").is_dir()


def template_folder() -> Path:
    return PACKAGE / "templates" if installed() else PROJECT_ROOT / "templates"


def _default_index_dir(instance: Path) -> Path:
    """The checkout's search_index/; an installed app keeps it in its instance folder, never in site-packages."""
    return instance / "search_index" if installed() else PROJECT_ROOT / "search_index"


def _secret_key(instance_path: Path) -> str:
    """The secret key from CASEBOOK_SECRET_KEY, else one generated once into the instance folder."""
    if key := os.environ.get("CASEBOOK_SECRET_KEY"):
        return key
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # Written with owner-only permissions: the key signs every session cookie.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def _whole_number(name: str, default: int) -> int:
    """A setting that must be a whole number of 1 or more; anything else stops with one line saying so."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of 1 or more (got {raw!r}); unset it for {default}.")
    return int(raw)


def from_environment(instance_path: str, overrides: dict) -> dict:
    """Settings for create_app: defaults, then CASEBOOK_* environment variables, then overrides."""
    instance = Path(instance_path)
    default_db = f"sqlite:///{instance / 'casebook.sqlite3'}"
    index_dir = os.environ.get("CASEBOOK_INDEX_DIR") or str(_default_index_dir(instance))
    settings = {
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance),
        "DATABASE_URL": os.environ.get("CASEBOOK_DATABASE_URL") or default_db,
        "INDEX_DIR": index_dir,
        "SESSION_COOKIE_NAME": "casebook_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Behind HTTPS set CASEBOOK_SECURE_COOKIES=1; plain http://127.0.0.1 needs it off.
        "SESSION_COOKIE_SECURE": os.environ.get("CASEBOOK_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_SECURE": os.environ.get("CASEBOOK_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        # Werkzeug's scrypt at its full cost; tests pick a cheap cost (each hash records its own,
        # so checking a password always follows the hash it is checked against).
        "PASSWORD_HASH": "scrypt",
        "REDIS_URL": os.environ.get("CASEBOOK_REDIS_URL"),
        # Where members reach the site: invitation links printed by the CLI start with it.
        "BASE_URL": (os.environ.get("CASEBOOK_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "SAFE_SPACE": os.environ.get("CASEBOOK_SAFE_SPACE") == "1",
        # Outgoing mail (app/mail.py): unset, mail is kept in the outbox and shown in the inbox only.
        "SMTP_URL": os.environ.get("CASEBOOK_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("CASEBOOK_MAIL_FROM") or "casebook@localhost",
        # Where a case's contact (not a member) answers an introduction the moderators passed on;
        # unset, the answer goes to the moderator who passed it on.
        "MODERATORS_EMAIL": os.environ.get("CASEBOOK_MODERATORS_EMAIL") or None,
        # "background": a request never waits for the mail server (commands always send inline).
        "MAIL_DELIVERY": "inline" if overrides.get("TESTING") else "background",
        "FOLLOW_UP_DAYS": _whole_number("CASEBOOK_FOLLOW_UP_DAYS", 365),
        # New introductions a member may ask for per day: against misuse of the exchange.
        "INTRODUCTIONS_PER_DAY": _whole_number("CASEBOOK_INTRODUCTIONS_PER_DAY", 5),
        # Largest request body: case files are a few kB; a bigger upload is answered with 413.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "SEARCH_PER_PAGE": 10,
        "SEARCH_MAX_QUERY_LENGTH": 200,
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ("en", "nl"),
        # Each worker follows the change log (DESIGN.md); tests start followers themselves.
        "FOLLOW_CHANGES": os.environ.get("CASEBOOK_FOLLOW", "1") != "0" and not overrides.get("TESTING"),
        "FOLLOW_INTERVAL": float(os.environ.get("CASEBOOK_FOLLOW_INTERVAL") or 0.25),
        "LOG_FORMAT": (os.environ.get("CASEBOOK_LOG_FORMAT") or "text").lower(),
        "LOG_LEVEL": (os.environ.get("CASEBOOK_LOG_LEVEL") or "info").upper(),
        # Tests capture logs themselves; a server writes them to stderr.
        "LOG_CONFIGURE": not overrides.get("TESTING"),
    }
    settings.update(overrides)
    return settings
