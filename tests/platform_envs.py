"""The tests' one table of platforms: each platform's lifecycle, phase by phase, with only the
variables each phase really has. Unit, rehearsal and lifecycle tests all read it.

This model is the tests' own, written from ../shared/reference/platforms*.md and kept apart from
django_platform's platform modules on purpose: tests that share the code's model cannot catch its
mistakes. Default variables only: no opt-in features (no Heroku dyno metadata).

- build: collectstatic (and migrate where the builder runs it), with the builder's variables; the
  user's config vars only where that builder passes them (buildpacks do, Docker builds do not);
- release: the platform's release / pre-deploy / post-deploy / deploy-hook command, or a one-off
  console command where it has none;
- run: the Procfile's `web` process (or the command the platform runs instead) under honcho.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

# Findings a deployed project's check may hold that say nothing wrong with the deploy: I001 (the
# project sends no mail), I003 (it asks Heroku for no Python: Heroku keeps the first build's, which
# Django 6 may not run on).
INFORMATION = frozenset({"django_platform.I001", "django_platform.I003"})
SECRET = "p1atf0rm-" + "x7Qz" * 12  # 57 characters: long and varied enough for check --deploy
SHA = "3f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"
ENTROPY = "Kq3vX9rT2mZp7LwB4nYc8HsD1fGj6QaE5uRt0VbNxMkWoPiUyAzSl2"  # Upsun: 56 random characters
ROUTES = base64.b64encode(json.dumps({"https://app.example.com/": {"type": "upstream"}}).encode()).decode()


@dataclass(frozen=True)
class Lifecycle:
    # The platform's own variables in each phase (the user's config vars come on top, see below).
    build: dict[str, str]
    run: dict[str, str]
    # The host name the router sends for the app's default domain.
    public_host: str
    # Whether the user's config vars (and add-on variables) reach the build.
    config_at_build: bool = True
    # The release phase's own variables, when the platform has one; else a one-off console command
    # with the run-time variables applies the migrations.
    release: dict[str, str] | None = None
    # The Procfile process type the platform runs as its release phase ("release", "postdeploy"),
    # None where the release is a command configured on the platform (pre-deploy, release_command,
    # deploy hook, manage tasks) or a one-off command.
    release_process: str | None = None
    # The command the platform starts instead of the Procfile's web line, where it reads none.
    web_command: str | None = None
    # Host header of the platform's health checks, None where it has none (or none over HTTP).
    health_host: str | None = None
    # Variables the user must set besides the database and add-ons (the platform's row's `recipe`).
    user: dict[str, str] = field(default_factory=dict)
    # What detection finds in the build phase (with the user's config where it reaches the build).
    build_detected: str = "local"
    # How the platform hands the app its database (a recipe in tests/test_lifecycle.py): "internal"
    # (DATABASE_URL to a private network, no TLS), "tls" (a URL to a database that requires TLS),
    # "tls_at_run" (the same, bound at run time only), or the platform's own store.
    database: str = "internal"
    # The database TLS option the platform's recipe must end up with, where the platform decides.
    tls: tuple[str, str] | None = None


LIFECYCLES: dict[str, Lifecycle] = {
    # Buildpack build: config vars, STACK and SOURCE_VERSION, no DYNO. Release dyno: DYNO=release.N.
    "heroku": Lifecycle(
        database="tls",
        tls=("sslmode", "require"),
        build={"STACK": "heroku-24", "SOURCE_VERSION": SHA},
        release={"DYNO": "release.4217"},
        release_process="release",
        run={"DYNO": "web.1"},
        public_host="example-app-1a2b3c4d5e6f.herokuapp.com",
    ),
    # herokuish build with the app's config; GIT_REV and DOKKU_* are set on the app's containers.
    "dokku": Lifecycle(
        tls=("sslmode", "disable"),
        build={},
        release={"DYNO": "release.1", "GIT_REV": SHA},
        release_process="release",
        run={"DYNO": "web.1", "GIT_REV": SHA, "DOKKU_APP_TYPE": "herokuish"},
        public_host="app.dokku.example.com",
        user={"DJANGO_ALLOWED_HOSTS": "app.dokku.example.com"},
    ),
    # The buildpack's environment is not documented: assume nothing reaches it. Migrations through
    # `cctrlapp APP/DEP run "python manage.py migrate"`.
    "cloudcontrol": Lifecycle(
        database="cloudcontrol",
        build={},
        config_at_build=False,
        run={
            "PAAS_VENDOR": "cloudControl",
            "DEP_NAME": "app/default",
            "DEP_ID": "dep1",
            "DOMAIN": "cloudcontrolled.com",
        },
        public_host="app.cloudcontrolled.com",
    ),
    # "Environment variables set in your app settings are injected during the build process."
    # No marker; HOST is set (and proves nothing). Migrations from the console.
    "qoddi": Lifecycle(
        database="qoddi",
        tls=("ssl_mode", "DISABLED"),
        build={},
        run={"HOST": "0.0.0.0"},  # noqa: S104 - what Qoddi sets, not a bind
        public_host="app.qoddiapp.com",
        user={"DJANGO_PLATFORM": "qoddi", "DJANGO_ALLOWED_HOSTS": "app.qoddiapp.com"},
        build_detected="qoddi",
    ),
    # Native build: RENDER=true and the service's variables at build and run; preDeployCommand.
    "render": Lifecycle(
        build={"RENDER": "true", "IS_PULL_REQUEST": "false", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com"},
        release={"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com"},
        run={"RENDER": "true", "RENDER_EXTERNAL_HOSTNAME": "app.onrender.com", "IS_PULL_REQUEST": "false"},
        public_host="app.onrender.com",
        health_host="app.onrender.com",
        build_detected="render",
    ),
    # Docker build (flyctl's Django Dockerfile runs collectstatic): nothing at all. release_command
    # in a temporary Machine with the runtime variables and secrets.
    "fly": Lifecycle(
        build={},
        config_at_build=False,
        release={"FLY_APP_NAME": "app", "FLY_REGION": "ams", "FLY_MACHINE_ID": "e784079b449483"},
        run={
            "FLY_APP_NAME": "app",
            "FLY_REGION": "ams",
            "PRIMARY_REGION": "ams",
            "FLY_MACHINE_ID": "e784079b449483",
            "FLY_PRIVATE_IP": "fdaa:0:18:a7b:7d:3f06:2fc:2",
        },
        public_host="app.fly.dev",
        health_host="[fdaa:0:18:a7b:7d:3f06:2fc:2]",  # unverified: checks come over the private network
    ),
    # Railpack build with every service and Railway variable; pre-deploy command; health checks
    # with the Host healthcheck.railway.app. The build command is the user's (Railpack runs no
    # collectstatic): the platform's recipe (its row's `recipe`) sets it.
    "railway": Lifecycle(
        build={
            "RAILWAY_ENVIRONMENT_NAME": "production",
            "RAILWAY_PROJECT_ID": "p-1",
            "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app",
        },
        release={
            "RAILWAY_ENVIRONMENT_NAME": "production",
            "RAILWAY_PROJECT_ID": "p-1",
            "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app",
        },
        run={
            "RAILWAY_ENVIRONMENT_NAME": "production",
            "RAILWAY_PROJECT_ID": "p-1",
            "RAILWAY_PUBLIC_DOMAIN": "app.up.railway.app",
            "RAILWAY_PRIVATE_DOMAIN": "web.railway.internal",
            "RAILWAY_SERVICE_NAME": "web",
        },
        public_host="app.up.railway.app",
        health_host="healthcheck.railway.app",
        build_detected="railway",
    ),
    # Build: no PLATFORM_ENVIRONMENT, PLATFORM_RELATIONSHIPS or PLATFORM_ROUTES; hooks.deploy runs
    # with the run-time variables; web.commands.start in .upsun/config.yaml (no Procfile). The
    # secret key is the project's entropy.
    "upsun": Lifecycle(
        database="upsun",
        tls=("sslmode", "disable"),
        build={"PLATFORM_APPLICATION_NAME": "app", "PLATFORM_PROJECT": "abc123", "PLATFORM_PROJECT_ENTROPY": ENTROPY},
        config_at_build=False,
        run={
            "PLATFORM_APPLICATION_NAME": "app",
            "PLATFORM_PROJECT": "abc123",
            "PLATFORM_PROJECT_ENTROPY": ENTROPY,
            "PLATFORM_ENVIRONMENT": "main-bvxea6i",
            "PLATFORM_BRANCH": "main",
            "PLATFORM_ROUTES": ROUTES,
        },
        web_command="gunicorn example.wsgi",
        public_host="app.example.com",
        build_detected="upsun",
    ),
    # Buildpack build with the app's variables plus APP, SOURCE_VERSION, STACK (no CONTAINER);
    # the Procfile's postdeploy: line runs with the app's run-time environment.
    "scalingo": Lifecycle(
        database="scalingo",
        tls=("ssl_mode", "PREFERRED"),  # from the URL's JDBC useSSL=true
        build={"APP": "app", "SOURCE_VERSION": SHA, "STACK": "scalingo-22"},
        release_process="postdeploy",
        run={
            "SCALINGO_APPLICATION_ID": "ap-4b1f0a2c-90d1-4e6b-a1f4-6c1a9d8e0b2f",
            "APP": "app",
            "REGION_NAME": "osc-fr1",
            "CONTAINER": "web-1",
            "CONTAINER_SIZE": "M",
            "CONTAINER_MEMORY": "536870912",
            "CONTAINER_VERSION": SHA,
            "STACK": "scalingo-22",
        },
        public_host="app.osc-fr1.scalingo.io",
    ),
    # No marker: the user binds ${APP_DOMAIN} and ${db.DATABASE_URL} (bindings exist at run time
    # only) and selects the profile; Heroku's buildpack at build; a PRE_DEPLOY job migrates.
    "digitalocean": Lifecycle(
        database="tls_at_run",
        tls=("sslmode", "require"),
        build={},
        run={},
        public_host="app-x7k2q.ondigitalocean.app",
        user={"DJANGO_PLATFORM": "digitalocean", "APP_DOMAIN": "app-x7k2q.ondigitalocean.app"},
        build_detected="digitalocean",
        health_host="10.244.1.17:8080",  # unverified: a Kubernetes probe sends the instance's address
    ),
    # Buildpack build with the user's variables (KOYEB_* at build unverified: assumed absent);
    # no release phase documented: a one-off command migrates.
    "koyeb": Lifecycle(
        database="tls",
        build={},
        run={
            "KOYEB_APP_NAME": "app",
            "KOYEB_SERVICE_NAME": "web",
            "KOYEB_SERVICE_ID": "3f1c2d9e",
            "KOYEB_PUBLIC_DOMAIN": "app-acme-1a2b3c4d.koyeb.app",
            "KOYEB_REGION": "fra",
            "KOYEB_INSTANCE_MEMORY_MB": "512",
        },
        public_host="app-acme-1a2b3c4d.koyeb.app",
        health_host="10.0.12.5:8000",  # unverified: the instance's private address
    ),
    # Build instance: INSTANCE_TYPE=build with the app's variables; CC_PYTHON_MANAGE_TASKS
    # migrates before the server starts; the runtime starts gunicorn on CC_PYTHON_MODULE itself.
    # No DATABASE_URL: the add-on's POSTGRESQL_ADDON_* variables.
    "clevercloud": Lifecycle(
        database="clevercloud",
        build={"INSTANCE_TYPE": "build", "CC_DEPLOYMENT_ID": "d-1", "APP_ID": "app_1a2b", "CC_APP_NAME": "app"},
        run={
            "INSTANCE_TYPE": "production",
            "INSTANCE_NUMBER": "0",
            "CC_DEPLOYMENT_ID": "d-1",
            "APP_ID": "app_1a2b",
            "CC_APP_NAME": "app",
            "CC_PYTHON_MODULE": "example.wsgi:application",
        },
        web_command="gunicorn example.wsgi:application",
        public_host="app-1a2b.cleverapps.io",
        user={"DJANGO_ALLOWED_HOSTS": "app-1a2b.cleverapps.io", "CC_HEALTH_CHECK_PATH": "/readyz"},
        health_host="10.2.0.15:8080",  # unverified: the instance's private address
    ),
    # Docker build: build arguments only (NF_GIT_SHA ...), the user's only as ARG.
    "northflank": Lifecycle(
        build={},
        config_at_build=False,
        run={
            "NF_OBJECT_ID": "web",
            "NF_PROJECT_ID": "shop",
            "NF_HOSTS": "web--shop--x7k2q.code.run",
            "NF_DEPLOYMENT_SHA": SHA,
        },
        public_host="web--shop--x7k2q.code.run",
        health_host="10.48.3.9:8080",  # unverified: a Kubernetes probe sends the instance's address
    ),
    # Nixpacks build with the COOLIFY_* build arguments and the variables marked "Build Variable";
    # health checks run curl inside the container (Host: localhost).
    "coolify": Lifecycle(
        build={
            "COOLIFY_RESOURCE_UUID": "k0g8w4",
            "COOLIFY_CONTAINER_NAME": "web-k0g8w4",
            "COOLIFY_FQDN": "app.example.com",
            "COOLIFY_URL": "https://app.example.com",
            "SOURCE_COMMIT": SHA,
        },
        run={
            "COOLIFY_RESOURCE_UUID": "k0g8w4",
            "COOLIFY_CONTAINER_NAME": "web-k0g8w4",
            "COOLIFY_FQDN": "app.example.com",
            "COOLIFY_URL": "https://app.example.com",
            "SOURCE_COMMIT": SHA,
            "HOST": "0.0.0.0",  # noqa: S104 - what Coolify sets, not a bind
        },
        public_host="app.example.com",
        health_host="localhost",
        build_detected="coolify",
    ),
}

# The run-time environment of each platform, with what the user must set: for tests that only
# need "this app runs on X".
PLATFORM_ENVS: dict[str, dict[str, str]] = {name: {**lc.run, **lc.user} for name, lc in LIFECYCLES.items()}


def clean_environ(**extra: str) -> dict[str, str]:
    """The parts of this process's environment a subprocess needs, and no platform markers
    (CI itself sets CI=true, which with DYNO means Heroku CI)."""
    import os

    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "SSL_CERT_FILE")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, **extra}
