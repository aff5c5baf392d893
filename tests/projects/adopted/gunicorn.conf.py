import os

bind = ["[::]:{}".format(os.environ.get("PORT", 5006))]
worker_class = "gthread"
workers = os.environ.get("WEB_CONCURRENCY", 1)
threads = 5
preload_app = True
timeout = 20
graceful_timeout = 20
accesslog = "-"

if os.environ.get("ENVIRONMENT") == "development":
    # Restart when the source changes.
    reload = True
else:
    # SO_REUSEPORT: even distribution between workers.
    reuse_port = True
