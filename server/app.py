"""The Starlette application, as plain data: routes, middleware, a lifespan.

``create_app(settings)`` builds it.  The lifespan opens the database (which
applies migrations) and puts what views need on ``app.state``:

    app.state.settings         the Settings
    app.state.store            the open Store (server.database)
    app.state.rules            sync.rules.Rules, made from the settings
    app.state.session_secret   the key that signs session cookies
    app.state.orders           the group commit of POST /api/orders (server.order_batcher)
    app.state.webhooks         the outbound webhook sender (a background task)
    app.state.templates        Jinja2 templates (set at build time)
    app.state.password_hasher  argon2 PasswordHasher (set at build time)
    app.state.login_throttle   server.login_throttle.LoginThrottle (set at build time)
    app.state.push_sender      server.webpush_sender.PushSender (its loop runs in the lifespan)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from server import (
    api_conflicts,
    api_count_tasks,
    api_devices,
    api_fleet,
    api_fulfilment,
    api_health,
    api_order_batch,
    api_orders,
    api_push,
    api_read,
    api_returns,
    api_scan,
    api_sync,
    api_waves,
    api_webhooks,
    audit_views,
    pages,
    pages_app,
    pages_console,
    pages_fulfilment,
    pages_labels,
    pages_orders,
    pages_returns,
    pages_rmas,
    template_filters,
    webhooks_carrier,
    webhooks_payment,
)
from server.auth import session_middleware
from server.database import Store
from server.errors import EXCEPTION_HANDLERS
from server.login_throttle import LoginThrottle
from server.order_batcher import OrderBatcher
from server.security_headers import security_headers_middleware
from server.settings import Settings
from server.settings_audit import record_setting_changes
from server.users import DEFAULT_HASHER
from server.vapid_keys import ensure_vapid_keys
from server.webhook_delivery import WebhookSender
from server.webpush_sender import PushSender
from sync.rules import Rules

__all__ = ["create_app", "app_from_env", "rules_from_settings", "WEB_DIR"]

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def rules_from_settings(settings: Settings) -> Rules:
    """The merge rules, from the settings: the one place they are translated."""
    return Rules(
        count_window_ms=settings.count_window_seconds * 1000,
        recount_window_ms=settings.recount_window_hours * 3600 * 1000,
        internal_retries=settings.internal_retries,
        retry_after_ms=settings.retry_after_ms,
    )


def create_app(settings: Settings, *, password_hasher: PasswordHasher | None = None) -> Starlette:
    """The app for ``settings``.  ``password_hasher`` defaults to Argon2's defaults
    (tests pass a cheaper one; production should not)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = Store(
            settings.db,
            busy_timeout_ms=settings.busy_timeout_ms,
            synchronous=settings.synchronous,
            writer_cache_mb=settings.writer_cache_mb,
            mmap_mb=settings.mmap_mb,
        )
        try:
            app.state.settings = settings
            app.state.store = store
            app.state.rules = rules_from_settings(settings)
            app.state.session_secret = settings.secret or store.session_secret()
            store.transact(ensure_vapid_keys)
            store.transact(record_setting_changes, settings)
            app.state.push_sender = PushSender(
                store, contact=settings.push_contact, silent_hours=settings.silent_device_hours
            )
            pushing = asyncio.create_task(
                app.state.push_sender.run_forever(settings.push_interval_seconds)
            )
            app.state.orders = OrderBatcher(store)
            app.state.webhooks = WebhookSender(store, settings)
            app.state.webhooks.start()
            try:
                yield
            finally:
                await app.state.webhooks.stop()
                pushing.cancel()
                with suppress(asyncio.CancelledError):
                    await pushing
        finally:
            store.close()

    routes: list[BaseRoute] = [
        *api_health.routes,
        *api_devices.routes,
        *api_sync.routes,
        *api_read.routes,
        *api_order_batch.routes,  # before /api/orders/{number}
        *api_orders.routes,
        *api_waves.routes,
        *api_scan.routes,
        *api_conflicts.routes,
        *api_fleet.routes,
        *audit_views.routes,
        *api_push.routes,
        *pages_console.routes,
        *api_webhooks.routes,
        *webhooks_payment.routes,
        *pages_orders.routes,
        *pages_rmas.routes,
        *api_count_tasks.routes,
        *pages.routes,
        *pages_labels.routes,
        *api_fulfilment.routes,
        *api_returns.routes,
        *webhooks_carrier.routes,
        *pages_fulfilment.routes,
        *pages_returns.routes,
        *pages_app.routes,
        Mount("/static", app=StaticFiles(directory=WEB_DIR / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[security_headers_middleware(), session_middleware(settings)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=WEB_DIR / "templates")
    template_filters.install(app.state.templates.env)
    app.state.password_hasher = password_hasher or DEFAULT_HASHER
    app.state.login_throttle = LoginThrottle(
        settings.login_max_failures, settings.login_lockout_minutes * 60
    )
    return app


def app_from_env() -> Starlette:
    """The app for ``SHELFSYNC_*`` settings: a factory for ``uvicorn --factory``."""
    return create_app(Settings.from_env())
