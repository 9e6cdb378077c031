"""Settings: typed configuration from environment variables and a .env file, with pydantic-settings.

Run it alone, from the repository's top folder: fastapi dev demos/env_settings.py
It reads ./.env and the APP_* environment variables.
"""

from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",  # <- pydantic-settings reads the file itself
        env_prefix="APP_",  # <- APP_MAX_ITEMS sets max_items
        extra="ignore",  # <- other keys in a shared .env are not errors
    )

    app_name: str = "Bookshop"
    debug: bool = False  # <- "true", "1", "yes" all become True
    max_items: int = 50  # <- "25" becomes 25; "lots" is a validation error
    api_key: SecretStr = SecretStr("dev-only")  # <- masked in repr, logs and responses


@lru_cache  # <- read once per process, not on every request
def get_settings() -> Settings:
    return Settings()


SettingsDep = Annotated[Settings, Depends(get_settings)]  # <- injected: tests can override it


@asynccontextmanager
async def lifespan(app: FastAPI):
    get_settings()  # <- fail fast: a bad value stops the startup, not the first request
    yield


app = FastAPI(title="Settings demo", lifespan=lifespan)


@app.get("/info")
async def info(settings: SettingsDep):
    return {
        "app_name": settings.app_name,
        "debug": settings.debug,
        "max_items": settings.max_items,
        "api_key": str(settings.api_key),
    }


# --- tour ---

DOTENV = """# .env: per environment, never committed
APP_APP_NAME="Bookshop (staging)"
APP_DEBUG=true
APP_MAX_ITEMS=25
APP_API_KEY=sk-staging-123
# read by another tool, ignored here:
LOG_FORMAT=json
"""


def _reread():
    """Forget the cached Settings (what a restart does); a getter with no cache has nothing to forget."""
    getattr(get_settings, "cache_clear", lambda: None)()


def tour(t):
    import contextlib
    import os
    import tempfile
    from pathlib import Path

    saved = {k: v for k, v in os.environ.items() if k.startswith("APP_")}
    for key in saved:  # the tour must not depend on the caller's environment
        del os.environ[key]
    try:
        with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
            _steps(t, Path(tmp) / ".env")
    finally:
        for key in [k for k in os.environ if k.startswith("APP_")]:
            del os.environ[key]
        os.environ.update(saved)
        _reread()  # leave nothing read from the temp dir behind


def _steps(t, dotenv):
    import os

    from fastapi.testclient import TestClient
    from pydantic import ValidationError

    t.step("Settings() reads .env from the working directory by itself (no python-dotenv call) "
           "and converts every value to its declared type.")
    dotenv.write_text(DOTENV)
    t.note(".env", DOTENV.strip())
    _reread()
    r = t.get("/info")
    body = r.json()
    t.check("values from .env", body.get("app_name") == "Bookshop (staging)", r.text)
    t.check("typed: debug is the bool true, max_items the int 25",
            body.get("debug") is True and body.get("max_items") == 25, r.text)
    t.check("the secret is masked", body.get("api_key") == "**********", r.text)
    t.check("the file was not copied into os.environ", "APP_DEBUG" not in os.environ)

    t.step("A real environment variable beats the .env value; get_settings is cached, so the "
           "change shows after cache_clear() (in production: after a restart).")
    os.environ["APP_MAX_ITEMS"] = "99"
    try:
        cached = t.get("/info").json()
        _reread()
        fresh = t.get("/info").json()
    finally:
        del os.environ["APP_MAX_ITEMS"]
    t.check("still 25 while cached: one Settings object per process", cached.get("max_items") == 25)
    t.check("99 from the environment once re-read", fresh.get("max_items") == 99, str(fresh))

    t.step("A bad value is a validation error, and the lifespan stops the app from starting with it.")
    dotenv.write_text(DOTENV.replace("APP_MAX_ITEMS=25", "APP_MAX_ITEMS=lots"))
    _reread()
    error = None
    try:
        with TestClient(t.app):
            pass
    except ValidationError as exc:
        error = exc
    t.note("startup error", str(error).strip() if error else "none: the app started")
    t.check("startup fails on APP_MAX_ITEMS=lots",
            error is not None and error.errors()[0]["loc"] == ("max_items",))
    dotenv.write_text(DOTENV)
    _reread()

    t.step("In tests, app.dependency_overrides swaps the settings without touching files "
           "or the environment.")
    t.app.dependency_overrides[get_settings] = lambda: Settings(
        app_name="Test shop", max_items=1, _env_file=None
    )
    try:
        r = t.get("/info")
    finally:
        t.app.dependency_overrides.pop(get_settings, None)
    t.check("the endpoint got the test settings",
            r.json().get("app_name") == "Test shop" and r.json().get("max_items") == 1, r.text)
    t.note("python-dotenv", "not called by you: pydantic-settings parses env_file itself "
           "(python-dotenv is its own dependency)")

    t.step("BaseSettings left pydantic for pydantic-settings in Pydantic 2: the old import fails.")
    try:
        from pydantic import BaseSettings  # noqa: F401  (the Pydantic v1 import)
        outcome = "imported: no error"
    except ImportError as exc:  # pydantic.errors.PydanticImportError, an ImportError
        outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    t.note("from pydantic import BaseSettings", outcome)
    t.check("it raises an ImportError that points to pydantic-settings",
            outcome.startswith("PydanticImportError") and "pydantic-settings" in outcome)
