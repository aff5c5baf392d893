"""The example project run the way a platform runs it: gunicorn with the generated config, DEBUG off,
WhiteNoise, the router's HTTPS header, shared PostgreSQL/Redis/S3, a real browser, and faults."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.conftest import PASSWORD
from tests.e2e_support import Node, copy_project, manage, tls_router
from tests.platform_envs import LIFECYCLES, PLATFORM_ENVS, SECRET
from tests.services import PgCluster, pg_cluster, port_open, s3_server, unavailable

pytestmark = [pytest.mark.e2e, pytest.mark.services]
ARTIFACTS = Path(__file__).resolve().parent.parent / "e2e-artifacts"
HOST = "app.example.com"
ADMIN = ("admin", "admin-" + SECRET[:20])
ROUTER = {"X-Forwarded-Proto": "https", "Host": HOST}


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    with s3_server("uploads", "faults") as url:
        yield url


def production_env(cluster: PgCluster, s3: str, bucket: str) -> dict[str, str]:
    if not port_open("127.0.0.1", 6379):
        unavailable("Redis is not listening on 127.0.0.1:6379")
    return {
        **PLATFORM_ENVS["heroku"],
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost,127.0.0.1",
        "DATABASE_URL": f"postgres://{cluster.user}:{quote(cluster.password, safe='')}@127.0.0.1:{cluster.port}/"
        f"{cluster.name}",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_ENDPOINT_URL": s3,
        "AWS_S3_REGION_NAME": "us-east-1",
        "WEB_CONCURRENCY": "2",
        "DJANGO_SUPERUSER_USERNAME": ADMIN[0],
        "DJANGO_SUPERUSER_PASSWORD": ADMIN[1],
        "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
    }


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory, pg_tls: PgCluster, s3: str, django_db_blocker: Any
) -> dict[str, Any]:
    """The example project built as Heroku's buildpack does (config vars, no DYNO): collectstatic;
    then the release phase."""
    root = tmp_path_factory.mktemp("deploy")
    project = copy_project(root / "project")
    env = production_env(pg_tls, s3, "uploads")
    build = {k: v for k, v in env.items() if k not in PLATFORM_ENVS["heroku"]}
    manage(project, {**build, **LIFECYCLES["heroku"].build}, "collectstatic", "--noinput")
    manage(project, env, "migrate", "--noinput")
    with django_db_blocker.unblock():
        from tests.services import query_one

        exists = query_one(
            {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "HOST": "127.0.0.1",
                    "PORT": pg_tls.port,
                    "USER": pg_tls.user,
                    "PASSWORD": pg_tls.password,
                    "NAME": pg_tls.name,
                    "OPTIONS": {"sslmode": "require"},
                }
            },
            "SELECT count(*) FROM auth_user WHERE username = 'admin'",
        )
    if not exists:
        manage(project, env, "createsuperuser", "--noinput")
    return {"project": project, "env": env, "root": root}


@pytest.fixture
def node(deployed: dict[str, Any], tmp_path: Path) -> Iterator[Node]:
    server = Node(deployed["project"], deployed["env"], tmp_path / "node.log")
    yield server
    server.stop()


def login(session: requests.Session, base: str) -> None:
    page = session.get(f"{base}/accounts/login/", headers={"Host": HOST})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    response = session.post(
        f"{base}/accounts/login/",
        headers={"Host": HOST, "Origin": f"https://{HOST}"},
        data={"username": ADMIN[0], "password": ADMIN[1], "csrfmiddlewaretoken": token.group(1)},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]


# --- production mode: static files ---------------------------------------------------------------


def test_admin_css_is_compressed_hashed_and_cached_forever(node: Node) -> None:
    page = requests.get(f"{node.url}/admin/login/", headers=ROUTER, timeout=10)
    assert page.status_code == 200
    href = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.text)
    assert href, "the admin's stylesheet is not served from a hashed name"
    for encoding in ("br", "gzip"):
        response = requests.get(node.url + href.group(1), headers={**ROUTER, "Accept-Encoding": encoding}, timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert (
        requests.get(f"{node.url}/admin/login/", headers={"Host": HOST}, allow_redirects=False, timeout=10).status_code
        == 301
    )  # plain HTTP from the router: redirected to HTTPS


# --- a real browser through the router ------------------------------------------------------------


def test_browser_logs_in_uploads_and_sees_the_file(node: Node, tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    ARTIFACTS.mkdir(exist_ok=True)
    upload = tmp_path / "hello-from-the-browser.txt"
    upload.write_text("uploaded through a real browser\n")
    with tls_router(node.port, tmp_path) as router, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            base = f"https://localhost:{router}"
            page.goto(f"{base}/admin/login/")
            # The admin stylesheet really applied: the header has the admin's colour, not the default.
            header_colour = page.evaluate("getComputedStyle(document.querySelector('#header')).backgroundColor")
            assert header_colour not in ("rgba(0, 0, 0, 0)", "transparent")
            page.fill("#id_username", ADMIN[0])
            page.fill("#id_password", ADMIN[1])
            page.click("input[type=submit]")
            page.wait_for_url(f"{base}/admin/")
            page.screenshot(path=str(ARTIFACTS / "admin.png"), full_page=True)
            page.goto(f"{base}/")
            page.fill("#id_text", "A note with a file")
            page.set_input_files("#id_attachment", str(upload))
            page.click("#note-form button[type=submit]")
            page.wait_for_selector("#uploads a")
            assert "hello-from-the-browser" in page.inner_text("#uploads")
            page.screenshot(path=str(ARTIFACTS / "board.png"), full_page=True)
            href = page.get_attribute("#uploads a >> nth=0", "href")
            page.goto(f"{base}{href}")  # served inline, streamed from S3 through the app
            assert page.inner_text("body").strip() == "uploaded through a real browser"
        finally:
            browser.close()


# --- two nodes sharing PostgreSQL, Redis and S3 -------------------------------------------------------


def test_two_nodes_share_sessions_and_uploads(deployed: dict[str, Any], tmp_path: Path) -> None:
    a = Node(deployed["project"], deployed["env"], tmp_path / "a.log")
    b = Node(deployed["project"], deployed["env"], tmp_path / "b.log")
    try:
        # Each node behind its own TLS router, as on a platform: cookies are Secure.
        with tls_router(a.port, tmp_path) as ra, tls_router(b.port, tmp_path) as rb:
            url_a, url_b = f"https://127.0.0.1:{ra}", f"https://127.0.0.1:{rb}"
            session = requests.Session()
            session.trust_env = False  # else REQUESTS_CA_BUNDLE overrides session.verify
            session.verify = str(tmp_path / "router.crt")
            login(session, url_a)
            board = session.get(f"{url_b}/", headers={"Host": HOST}, allow_redirects=False)
            assert board.status_code == 200, "the session made on node A is not valid on node B"
            assert "Notes board" in board.text
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', board.text)
            assert token
            content = b"shared across nodes " + os.urandom(8).hex().encode()
            posted = session.post(
                f"{url_a}/",
                headers={"Host": HOST, "Origin": f"https://{HOST}"},
                data={"text": "two nodes", "csrfmiddlewaretoken": token.group(1)},
                files={"attachment": ("shared.txt", content)},
                allow_redirects=False,
            )
            assert posted.status_code == 302, posted.text[:500]
            listing = session.get(f"{url_b}/", headers={"Host": HOST}).text
            link = re.search(r'href="(/notes/\d+/file)">notes/shared[^<]*\.txt<', listing)
            assert link, listing[:1000]
            served = session.get(url_b + link.group(1), headers={"Host": HOST})
            assert (served.status_code, served.content) == (200, content)
    finally:
        a.stop()
        b.stop()


# --- faults under load ------------------------------------------------------------------------------------


class Load:
    """Bounded request loops in threads on loopback, recording (start time, ok) per request."""

    def __init__(self, url: str, threads: int = 2, seconds: float = 30) -> None:
        self.url, self.stop_at = url, time.monotonic() + seconds
        self.results: list[tuple[float, bool]] = []
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        session = requests.Session()
        while not self.done.is_set() and time.monotonic() < self.stop_at:
            started = time.monotonic()
            try:
                ok = session.get(self.url, headers=ROUTER, timeout=10).status_code == 200
            except requests.RequestException:
                ok = False
            self.results.append((started, ok))

    def finish(self) -> list[tuple[float, bool]]:
        self.done.set()
        for thread in self.threads:
            thread.join()
        return sorted(self.results)


def report(line: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with (ARTIFACTS / "faults.txt").open("a") as handle:
        handle.write(line + "\n")
    print(line)


def test_postgresql_restart_under_load(tmp_path: Path, s3: str) -> None:
    with pg_cluster(ssl=True, password=PASSWORD) as cluster:
        project = copy_project(tmp_path / "project")
        env = production_env(cluster, s3, "faults")
        manage(project, env, "migrate", "--noinput")
        node = Node(project, env, tmp_path / "node.log")
        try:
            load = Load(f"{node.url}/db", seconds=30)
            time.sleep(1.5)
            restart_started = time.monotonic()
            cluster.restart()
            back = time.monotonic()
            time.sleep(3)
            results = load.finish()
        finally:
            node.stop()
    after = [ok for started, ok in results if started >= back]
    during = [ok for started, ok in results if restart_started <= started < back]
    first_ok = next((started for started, ok in results if started >= back and ok), None)
    assert after, "no requests after the database came back"
    assert all(after), f"{after.count(False)} of {len(after)} requests failed after PostgreSQL was back"
    assert first_ok is not None
    report(
        f"postgresql restart: down {back - restart_started:.2f}s, {during.count(False)}/{len(during)} failed "
        f"while down, first success {first_ok - back:.2f}s after it was back, "
        f"{len(after)} requests after it was back, all ok"
    )


def test_sighup_reload_under_load_loses_nothing(node: Node) -> None:
    load = Load(f"{node.url}/ping", threads=3, seconds=20)
    time.sleep(1)
    node.process.send_signal(signal.SIGHUP)
    time.sleep(4)
    results = load.finish()
    assert len(results) > 50
    assert all(ok for _, ok in results), f"{sum(not ok for _, ok in results)} of {len(results)} failed"
    report(f"gunicorn SIGHUP under load: {len(results)} requests, none failed")


def test_sigterm_lets_requests_in_flight_complete(node: Node) -> None:
    outcome: dict[str, Any] = {}

    def slow() -> None:
        response = requests.get(f"{node.url}/slow?s=2", headers=ROUTER, timeout=30)
        outcome["status"], outcome["body"] = response.status_code, response.text

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.7)
    node.process.send_signal(signal.SIGTERM)
    thread.join()
    assert outcome == {"status": 200, "body": "slept 2.0\n"}
    assert node.process.wait(30) == 0
