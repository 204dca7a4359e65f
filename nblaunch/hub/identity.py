"""Who is asking, found without blocking the service's event loop.

``jupyterhub.services.auth.HubAuthenticated.get_current_user`` is synchronous: on a cache miss
(a user's first request, then once a minute) it asks the Hub for the identity and blocks the
whole service until the Hub answers. Under load the Hub takes seconds per answer, and every
other user's page and progress stream stalls behind it: a crowd of launches then finishes
together, as late as the slowest identity. Asking asynchronously in ``prepare`` fills the
per-request cache that ``get_current_user`` reads, so tornado's ``@web.authenticated`` finds
the user without a wait.
"""

from __future__ import annotations

from typing import Any


class AsyncIdentityMixin:
    """Resolve the Hub user in ``prepare``, asynchronously; put it before ``HubAuthenticated``.

    >>> AsyncIdentityMixin.__name__
    'AsyncIdentityMixin'
    """

    hub_auth: Any

    async def prepare(self) -> None:
        """Ask the Hub (or its cache) for the user, once per request, without blocking."""
        # HubAuth keeps the answer on the handler (``_cached_hub_user``): the synchronous
        # ``get_current_user`` that follows returns it without asking the Hub again.
        await self.hub_auth.get_user(self, sync=False)
