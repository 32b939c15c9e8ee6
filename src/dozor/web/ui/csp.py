"""The Content-Security-Policy of the HTML pages: everything from the app's own origin.

The pages use no inline scripts and no ``style`` attributes (behaviour is in ``static/*.js``,
data in ``data-*`` attributes), so scripts, styles, images and connections are all
``'self'``. Styles that scripts set through the DOM (Leaflet, ECharts, Swagger UI) are not
affected; ``data:`` images are allowed for the vendored libraries' icons. A pure ASGI
middleware, so streamed responses (Server-Sent Events) pass untouched.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class ContentSecurityPolicy:
    """Adds the policy to every ``text/html`` response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").startswith("text/html")
                if html and "content-security-policy" not in headers:
                    headers.append("Content-Security-Policy", POLICY)
            await send(message)

        await self.app(scope, receive, send_with_policy)
