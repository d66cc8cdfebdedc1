"""The Flask application factory for pester's admin web app, API and webhooks."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from datetime import timedelta

from flask import Flask, render_template
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

import campaigns.views
from campaigns import auth
from campaigns.permissions import PUBLIC
from messaging import log_redaction, runtime
from messaging.config import Settings, load_settings
from messaging.db import db
from messaging.records.checkpoint_channels import register_checkpoint_channels

log = logging.getLogger(__name__)
csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from ``settings`` (the environment's when not given)."""
    settings = settings or load_settings()
    log_redaction.install()  # no phone numbers in any log line (access logs included)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    if settings.trusted_proxies:
        # Behind a TLS proxy: take the client's address from the proxies we trust, so the
        # audit log and the sign-in limits see people rather than the proxy.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies
        )
    secure_cookies = settings.production or settings.public_base_url.startswith("https://")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        DATABASE_URL=settings.database_url,
        TESTING=settings.testing,
        SESSION_COOKIE_SECURE=secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="__Host-pester" if secure_cookies else "pester",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_max_hours),
        SESSION_MAX_AGE=timedelta(hours=settings.session_max_hours),
        SESSION_TIMEOUT=timedelta(minutes=settings.session_minutes),
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        WTF_CSRF_TIME_LIMIT=None,  # the session timeout bounds a token's life instead
    )
    app.extensions["pester.settings"] = settings
    runtime.configure(settings)
    register_checkpoint_channels()  # audit checkpoints by e-mail and webhook, if configured
    app.teardown_appcontext(lambda _exc: db.session.remove())

    csrf.init_app(app)
    auth.init_app(app)
    _register_blueprints(app)
    app.view_functions["static"].permission = PUBLIC  # type: ignore[attr-defined]
    app.after_request(_security_headers)
    _register_error_pages(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Register the ``bp`` of every module in campaigns.views (one module per area)."""
    for info in sorted(pkgutil.iter_modules(campaigns.views.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"campaigns.views.{info.name}")
        blueprint = getattr(module, "bp", None)
        if blueprint is None:
            continue
        if getattr(module, "CSRF_EXEMPT", False):
            # Carriers sign their webhooks; the API takes bearer tokens, never cookies.
            csrf.exempt(blueprint)
        app.register_blueprint(blueprint)


def _security_headers(response):  # type: ignore[no-untyped-def]
    settings: Settings = runtime.current().settings
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    if settings.production:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def _register_error_pages(app: Flask) -> None:
    for code, title in (
        (400, "The request could not be understood"),
        (403, "You do not have permission to do that"),
        (404, "Page not found"),
        (413, "That file or request is too large"),
    ):

        def handler(_error, code=code, title=title):  # type: ignore[no-untyped-def]
            return render_template("error.html", code=code, title=title), code

        app.register_error_handler(code, handler)
