# An empty gunicorn config: benchmarks pass it to run gunicorn on its defaults, as the seed's
# `web: gunicorn myproject.wsgi` does in a project without gunicorn.conf.py.
