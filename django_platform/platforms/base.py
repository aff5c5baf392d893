"""What a platform is: its data row and its hooks, and the context configure() reads it through.

A platform module builds one `Platform` (or a subclass overriding hooks) from the platform's
documented facts. Areas of configure() call the hooks; they never test a platform's name.
"""

import string
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured

from django_platform.attempt import Failed, attempt
from django_platform.parsers.buckets import BucketVars
from django_platform.report import Source
from django_platform.sensitive import secrets_in

if TYPE_CHECKING:
    from django_platform.parsers.mail import Mail

# Database engine families, the keys of Platform.db_tls.
PG = "postgresql"
MYSQL = "mysql"

# (alias, DATABASES entry, source) found in a platform's credential stores: the source as a
# report Source (kind, keys) or, for a single variable, its name.
Found = tuple[str, dict[str, Any], "Source | str"]
T = TypeVar("T")


# Plain classes rather than NamedTuple or dataclass: these modules load while settings import, and
# each of those costs 0.15 to 1 ms to create (the ~30-field Platform the most), measured in
# benchmarks/startup.py.
class Marker:
    """One way to recognise a platform: every `all_of` variable set (``NAME`` set and non-empty,
    or ``NAME=value``, compared case-insensitively), and at least one of `any_of` if given."""

    __slots__ = ("all_of", "any_of", "note")

    def __init__(self, all_of: tuple[str, ...] = (), any_of: tuple[str, ...] = (), note: str = "") -> None:
        self.all_of, self.any_of = all_of, any_of
        # Said in the detection reason when this marker is ambiguous.
        self.note = note

    def match(self, env: Mapping[str, str]) -> "list[str] | None":
        matched = []
        for spec in self.all_of:
            if not _is_set(env, spec):
                return None
            matched.append(spec)
        if self.any_of:
            hits = [spec for spec in self.any_of if _is_set(env, spec)]
            if not hits:
                return None
            matched.extend(hits)
        return matched

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Marker) and (self.all_of, self.any_of, self.note) == (
            other.all_of,
            other.any_of,
            other.note,
        )

    def __hash__(self) -> int:
        return hash((self.all_of, self.any_of, self.note))

    def __repr__(self) -> str:
        return f"Marker(all_of={self.all_of!r}, any_of={self.any_of!r})"


def _is_set(env: Mapping[str, str], spec: str) -> bool:
    name, sep, expected = spec.partition("=")
    value = env.get(name, "")
    if sep:
        return value.lower() == expected.lower()
    return value != ""


class Store:
    """A credential store a platform reads beside plain variables: a file a variable names, or a
    variable of encoded JSON. Declared on the row (`Platform.stores`), it is loaded and parsed at
    most once per configure() (`Context.load`), the secrets in it are masked everywhere
    (`Platform.secrets`: secret-named keys and URL passwords), and the environment fuzz draws its
    variable (tests/fuzzenv.py has a generator for every declared store)."""

    __slots__ = ("read", "secret", "variable")

    def __init__(self, variable: str, read: "Callable[[str], Any]", *, secret: bool = True) -> None:
        # `read` takes the variable's stripped value and raises ImproperlyConfigured naming the
        # store, never quoting it; `secret`: the store holds credentials to mask.
        self.variable, self.read, self.secret = variable, read, secret

    def __repr__(self) -> str:
        return f"Store({self.variable!r})"


class Context:
    """The environment configure() reads, the platform chosen from it, and the platform's stores,
    each loaded and parsed at most once (an error, too, is kept and raised to every reader)."""

    def __init__(self, env: Mapping[str, str], platform: "Platform", reason: str = "") -> None:
        self.env = env
        self.platform = platform
        self.reason = reason
        # What a hook wants said in the report (a variable it chose not to use, and why).
        self.notes: list[str] = []
        self._stores: dict[str, Any] = {}

    def store(self, key: str, load: Callable[[], T]) -> T:
        if key not in self._stores:
            try:
                self._stores[key] = load()
            except ImproperlyConfigured as exc:  # messages name the store, never its content
                self._stores[key] = _Broken(str(exc))
        value = self._stores[key]
        if isinstance(value, _Broken):
            raise ImproperlyConfigured(value.message)
        return value  # type: ignore[no-any-return]

    def load(self, store: Store) -> Any:
        """A declared store's content (None when its variable is unset), parsed once."""
        value = self.value(store.variable)
        return self.store(store.variable, lambda: store.read(value) if value else None)

    def value(self, name: str) -> str:
        """A variable's value, stripped; '' when unset."""
        return self.env.get(name, "").strip()


class _Broken:
    """A store that failed to load: its error, raised again to every reader."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def template_hosts(values: Mapping[str, str], templates: Iterable[str]) -> list[tuple[str, str]]:
    """(host, variables) for each "{VAR}.suffix" template whose variables are all set."""
    found = []
    for template in templates:
        names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        if all(values.get(n, "").strip() for n in names):
            found.append((template.format(**{n: values[n].strip() for n in names}).lower(), ", ".join(names)))
    return found


# Add-on variables of RabbitMQ services (CloudAMQP's on Heroku and elsewhere; generic names).
BROKER_VARIABLES = ("CLOUDAMQP_URL", "RABBITMQ_URL", "AMQP_URL")

# The release phase's command (the safe release), in every platform's Procfile line.
RELEASE_COMMAND = "python manage.py platform_migrate"


class Platform:
    """A platform's facts (their public sources in `sources`), given as keyword arguments
    (every field below; the class values are the defaults), and, in subclasses, its hooks."""

    name: str
    label: str
    markers: tuple[Marker, ...] = ()
    # Other names DJANGO_PLATFORM accepts (a platform's former name).
    aliases: tuple[str, ...] = ()
    # Development on the user's own machine: DEBUG from settings.py, local host names, console mail,
    # no persistent connections; no platform default applies.
    development: bool = False
    # Database TLS default per engine family: True = require TLS, False = must not use it, absent =
    # leave it to the URL and the driver's default.
    db_tls: Mapping[str, bool] = MappingProxyType({})
    # Verify the certificate of a rediss:// cache (a platform's Redis may serve a self-signed one).
    redis_tls_verify: bool = True
    # The variables the platform's own Redis add-ons set (a regular expression, matched whole): a
    # URL settings.py reads from one of them gets the relaxed verification above, another's keeps it.
    redis_variables: str = r"REDIS_(TLS_)?URL"
    # The platform's router terminates TLS and forwards X-Forwarded-Proto.
    router_tls: bool = False
    # The router rejects requests for host names that are not the app's (ALLOWED_HOSTS '*' is safe).
    router_checks_host: bool = False
    # Host-name templates: "{VAR}" or "{VAR}.suffix"; a template whose variables are unset is skipped.
    host_templates: tuple[str, ...] = ()
    # Host headers of the platform's health checks, which are not the public host names.
    health_check_hosts: tuple[str, ...] = ()
    # Where the user points the platform's HTTP health check at a path ("{path}" stands for it);
    # "" where the platform has none (or only a TCP check on $PORT). Platforms with one decide from
    # it whether a release goes live and when an instance leaves the rotation.
    health_check: str = ""
    # A variable the platform reads the health path from, which the app sees too.
    health_check_variable: str = ""
    # The platform's own broker variables, read after the RabbitMQ ones and before REDIS_URL.
    broker_variables: tuple[str, ...] = ()
    # The platform reads a Procfile; its process type for the release phase ("release",
    # "postdeploy"), "" where the release phase is configured elsewhere, as `release_hint` says.
    procfile: bool = True
    release_process: str = ""
    release_hint: str = ""
    # How a process beside web (a Procfile line "{process}: {command}") gets started and scaled,
    # where the Procfile alone does not do it; "" where it does.
    worker_hint: str = ""
    # How a one-off command runs beside the app ("{command}" stands for it): the post-release
    # step (platform_migrate --post-release) on the platform's page and in the refusal's message.
    one_off: str = ""
    # The gunicorn config file the generated Procfile (or gunicorn itself) reads.
    gunicorn_config: str = "gunicorn.conf.py"
    # Stop signal the platform sends and seconds before it kills the process.
    stop_signal: str = "SIGTERM"
    stop_grace: int = 30
    # Router idle keep-alive in seconds (gunicorn's keep-alive must exceed it), 0 = unknown.
    router_idle_timeout: int = 0
    # Seconds after which the router closes a websocket that carried no data (the server's ping
    # must come sooner), 0 = unknown.
    websocket_idle: int = 0
    # Where the router carries websockets when it does not on every host name of the app (a
    # phrase: "through …"); "" where its docs say nothing against any.
    websocket_route: str = ""
    # Run-time files vanish at the next restart/deploy and each node has its own copy.
    ephemeral_disk: bool = True
    # Several nodes may run behind a load balancer.
    multi_node: bool = True
    # A local SMTP server is available to the app.
    local_smtp: bool = False
    # Markers of the build phase (which has other variables than the run), said in the detection
    # reason; and how static files get collected there, as E017's hint says it.
    build_markers: tuple[Marker, ...] = ()
    collectstatic_at_build: str = ""
    # How its build treats a `Dockerfile` at the project's root: "found" = builds from it whenever it
    # is there, "chosen" = where the app's build setting says Docker (else the Python buildpack, which
    # reads .python-version), "" = never (buildpacks or its own build only).
    dockerfile_build: str = ""
    # Files at the root, and a variable, that make its build use buildpacks even beside a
    # Dockerfile (Dokku's `.buildpacks` and `BUILDPACK_URL`).
    buildpack_files: tuple[str, ...] = ()
    buildpack_variable: str = ""
    # A variable its Python build reads the Python version from, over the project's files but
    # those in `python_files_over_variable` (Nixpacks lets a `runtime.txt` outrank it: both judged).
    python_variable: str = ""
    python_files_over_variable: tuple[str, ...] = ()
    # The Python ("3.11") its Python build runs where the project asks for none, where that is not
    # the latest (Nixpacks'); "" = the latest, or unknown.
    python_default: str = ""
    # Where the project asks for none, its build keeps the Python of the app's first build (Heroku's
    # build cache): the oldest one it still builds ("3.11"), which such an app may still run.
    sticky_python: str = ""
    # The container-size variable and its unit in bytes, read only on this platform.
    size_variable: str = ""
    size_unit: int = 0
    # Variables only this platform reads: elsewhere their presence gets a note naming it.
    claims: tuple[str, ...] = ()
    # Credential stores beside plain variables (see Store).
    stores: tuple[Store, ...] = ()
    # Variables naming the running release (a commit, or the platform's release or image id),
    # first set wins; build-phase ones too (the report, health bodies, Sentry's release).
    release_variables: tuple[str, ...] = ()
    # Object storage the platform provisions, by its own variable names (read after the generic
    # ones in parsers/buckets.py).
    buckets: tuple[BucketVars, ...] = ()
    # Facts not confirmed from a primary source, kept overridable (platform_check and the docs
    # say them).
    unverified: tuple[str, ...] = ()
    # For the platform's docs page (docs/generate.py), never read while configuring: where its
    # database and add-on credentials come from, what a user sets there (Markdown), and the public
    # pages this module's facts come from.
    credentials_from: str = ""
    recipe: str = ""
    sources: tuple[str, ...] = ()

    if TYPE_CHECKING:
        # The signature mypy checks every row against (field names and types); at run time the
        # plain keyword constructor below (a dataclass would cost settings import up to 1 ms).
        # tests/test_platforms.py checks that it lists exactly the fields above.
        def __init__(
            self,
            *,
            name: str,
            label: str,
            markers: tuple[Marker, ...] = ...,
            aliases: tuple[str, ...] = ...,
            development: bool = ...,
            db_tls: Mapping[str, bool] = ...,
            redis_tls_verify: bool = ...,
            redis_variables: str = ...,
            router_tls: bool = ...,
            router_checks_host: bool = ...,
            host_templates: tuple[str, ...] = ...,
            health_check_hosts: tuple[str, ...] = ...,
            health_check: str = ...,
            health_check_variable: str = ...,
            broker_variables: tuple[str, ...] = ...,
            procfile: bool = ...,
            release_process: str = ...,
            release_hint: str = ...,
            worker_hint: str = ...,
            one_off: str = ...,
            gunicorn_config: str = ...,
            stop_signal: str = ...,
            stop_grace: int = ...,
            router_idle_timeout: int = ...,
            websocket_idle: int = ...,
            websocket_route: str = ...,
            ephemeral_disk: bool = ...,
            multi_node: bool = ...,
            local_smtp: bool = ...,
            build_markers: tuple[Marker, ...] = ...,
            collectstatic_at_build: str = ...,
            dockerfile_build: str = ...,
            buildpack_files: tuple[str, ...] = ...,
            buildpack_variable: str = ...,
            python_variable: str = ...,
            python_files_over_variable: tuple[str, ...] = ...,
            python_default: str = ...,
            sticky_python: str = ...,
            size_variable: str = ...,
            size_unit: int = ...,
            claims: tuple[str, ...] = ...,
            stores: tuple[Store, ...] = ...,
            release_variables: tuple[str, ...] = ...,
            buckets: tuple[BucketVars, ...] = ...,
            unverified: tuple[str, ...] = ...,
            credentials_from: str = ...,
            recipe: str = ...,
            sources: tuple[str, ...] = ...,
        ) -> None: ...

    else:

        def __init__(self, **fields: Any) -> None:
            unknown = sorted(set(fields) - set(FIELDS))
            missing = [f for f in ("name", "label") if not fields.get(f)]
            if unknown or missing:
                raise TypeError(f"Platform() got unknown fields {unknown} or lacks {missing}.")
            for key, value in fields.items():
                object.__setattr__(self, key, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Platform is immutable: use _replace()")

    def _asdict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in FIELDS if hasattr(self, f)}

    def _replace(self, **changes: Any) -> "Platform":
        """A copy with some fields changed (of the same class: its hooks are kept)."""
        return type(self)(**{**self._asdict(), **changes})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, label={self.label!r})"

    # Hooks: what the platform keeps in its own stores. Each reads the context, never os.environ.

    def databases(self, ctx: Context) -> list[Found]:
        """Databases from the platform's stores; the first "default" one is used unless
        DATABASE_URL is set."""
        return []

    def adjust_database(self, entry: dict[str, Any], source: "Source | str") -> dict[str, Any]:
        """A DATABASES entry as parsed from a URL, corrected for the platform's URL quirks."""
        return entry

    def cache(self, ctx: Context) -> "tuple[dict[str, Any], Source | str] | None":
        """CACHES["default"] from the platform's stores, and its source."""
        return None

    def mail(self, ctx: Context) -> "Mail | None":
        return None

    def redis(self, ctx: Context) -> "tuple[str, Source] | None":
        """The URL of the platform's own Redis add-on (not REDIS_URL, read before it), and its
        source: by default the cache add-on's, when it is a Redis."""
        found = self.cache(ctx)
        if found is None or found[0].get("BACKEND") != "django.core.cache.backends.redis.RedisCache":
            return None
        config, source = found
        return str(config["LOCATION"]), source if isinstance(source, Source) else Source(
            "environment", source, [source]
        )

    def broker(self, ctx: Context) -> "tuple[str, Source] | None":
        """A Celery broker URL from the platform's add-ons, and its source: RabbitMQ's variables
        first (a dedicated broker), then Redis's."""

        for name in (*BROKER_VARIABLES, *self.broker_variables, "REDIS_URL", "REDIS_TLS_URL"):
            if ctx.value(name):
                return ctx.env[name], Source("environment", name, [name])
        return None

    def hosts(self, ctx: Context) -> list[tuple[str, str]]:
        """(host name, source) of the app's public host names."""
        return template_hosts(ctx.env, self.host_templates)

    def health_hosts(self, ctx: Context) -> list[str]:
        return [h for h, _ in template_hosts(ctx.env, self.health_check_hosts)]

    def secret_key(self, ctx: Context) -> tuple[str, str] | None:
        """(value, source) of a secret key the platform provides."""
        return None

    def secrets(self, ctx: Context) -> set[str]:
        """Secret values inside the platform's declared stores (the environment's own are found by
        name), read leniently: a store that fails to load is the areas' error to report."""
        found: set[str] = set()
        for store in self.stores:
            data = attempt(partial(ctx.load, store), ImproperlyConfigured) if store.secret else None
            if data is not None and not isinstance(data, Failed):
                found |= secrets_in(data)
        return found

    def stop_window(self, env: Mapping[str, str]) -> int:
        """Seconds between the stop signal and SIGKILL."""
        return self.stop_grace

    def run_once(self, command: str) -> str:
        """How `command` runs once beside the app (the post-release step), as the user types it."""
        return (self.one_off or "`{command}`").replace("{command}", command)

    def procfile_lines(self, target: str) -> list[str]:
        """The Procfile's lines for the WSGI module `target`, release phase included."""
        lines = [f"web: gunicorn {target}"]
        if self.release_process:
            lines.append(f"{self.release_process}: {RELEASE_COMMAND}")
        return lines


# The fields a Platform takes: its annotated attributes.
FIELDS: tuple[str, ...] = tuple(Platform.__annotations__)
