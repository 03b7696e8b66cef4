"""ASGI entry point: HTTP goes to Django, WebSockets at /ocpp/<identity> to the OCPP consumer
and at /ui/ws/... to the web UI's live pushes (session-authenticated there only).

HTTP runs through Django's WSGI handler in a fixed pool of threads (csms/runtime/wsgi_bridge.py):
every view and middleware here is synchronous, and under Django's ASGI handler each request got
a new thread and crossed between it and the event loop once per middleware hook, which cost more
CPU than the API work itself (docs/PERFORMANCE.md, fixes 9 and 16). Here a request crosses once
each way, on a reused thread.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
django_wsgi_app = get_wsgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from csms.routing import websocket_urlpatterns  # noqa: E402
from csms.runtime.gc_tuning import (  # noqa: E402
    startup_objects_frozen,
    survivors_frozen_after_full_collections,
)
from csms.runtime.wsgi_bridge import WsgiOnThreads  # noqa: E402
from observability.asgi import with_observability_routes  # noqa: E402
from observability.logs import with_request_ids  # noqa: E402
from observability.processes import process_serving  # noqa: E402

application = ProtocolTypeRouter(
    {
        # /healthz, /readyz, /metrics before Django (observability/asgi.py says why).
        "http": with_observability_routes(
            WsgiOnThreads(with_request_ids(django_wsgi_app), threads=settings.HTTP_THREADS)
        ),
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
process_serving("daphne")
# Last: everything the server process loaded above stays out of the collector's walks, and so
# does, from now on, whatever survives a full collection (the connected stations' objects).
startup_objects_frozen()
survivors_frozen_after_full_collections()
