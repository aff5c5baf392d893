"""A Channels project's asgi.py, reduced: HTTP to Django, websockets to Channels' router."""

from channels.routing import ProtocolTypeRouter, URLRouter

from tests.asgi import application as django_application

application = ProtocolTypeRouter({"http": django_application, "websocket": URLRouter([])})
http_only = ProtocolTypeRouter({"http": django_application})
