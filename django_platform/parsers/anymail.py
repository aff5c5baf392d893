"""Mail through the providers' HTTP APIs with django-anymail: which provider the environment's
variables (the add-ons' own names) describe, and the Anymail options for it. Pure: no settings,
no platform, and Anymail itself is not imported (areas/mail.py asks whether it is installed)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

from django_platform.parsers.mail import Mail


class Option:
    """One Anymail option (its keyword name) and the variables that give it, first set wins."""

    __slots__ = ("name", "required", "variables")

    def __init__(self, name: str, variables: tuple[str, ...], *, required: bool = True) -> None:
        self.name, self.variables, self.required = name, variables, required


class Provider:
    """A provider Anymail sends through: `esp` prefixes its settings (ANYMAIL["MAILGUN_API_KEY"]),
    `module` names its backend; the first option's variables say the provider is attached."""

    __slots__ = ("esp", "label", "module", "options", "unsupported")

    def __init__(
        self, esp: str, label: str, module: str, options: tuple[Option, ...], *, unsupported: bool = False
    ) -> None:
        self.esp, self.label, self.module, self.options = esp, label, module, options
        # Anymail no longer tests it (it warns when used): chosen only when settings.py names it.
        self.unsupported = unsupported

    @property
    def backend(self) -> str:
        return f"anymail.backends.{self.module}.EmailBackend"


# In this order when several are attached (a project names its own with its EMAIL_BACKEND).
# The variables are those the platforms' add-ons inject (Heroku's Postmark, Mailgun and SendGrid
# add-ons) and those cookiecutter-django reads; SES's are django-ses's names.
PROVIDERS = (
    Provider(
        "POSTMARK", "Postmark", "postmark", (Option("server_token", ("POSTMARK_SERVER_TOKEN", "POSTMARK_API_TOKEN")),)
    ),
    Provider(
        "MAILGUN",
        "Mailgun",
        "mailgun",
        (
            Option("api_key", ("MAILGUN_API_KEY",)),
            Option("sender_domain", ("MAILGUN_DOMAIN", "MAILGUN_SENDER_DOMAIN"), required=False),
            Option("api_url", ("MAILGUN_API_URL",), required=False),  # the EU region's
        ),
    ),
    # Unsupported by Anymail since 13.0.1 (anymail/django-anymail#432): SendGrid's key goes to its
    # SMTP relay (parsers/mail.py) unless settings.py chose Anymail's SendGrid backend itself.
    Provider("SENDGRID", "SendGrid", "sendgrid", (Option("api_key", ("SENDGRID_API_KEY",)),), unsupported=True),
    Provider("RESEND", "Resend", "resend", (Option("api_key", ("RESEND_API_KEY",)),)),
    Provider("BREVO", "Brevo", "brevo", (Option("api_key", ("BREVO_API_KEY",)),)),
    Provider(
        "MAILJET",
        "Mailjet",
        "mailjet",
        (Option("api_key", ("MAILJET_API_KEY",)), Option("secret_key", ("MAILJET_SECRET_KEY",))),
    ),
    Provider(
        "AMAZON_SES",
        "Amazon SES",
        "amazon_ses",
        (
            Option("region_name", ("AWS_SES_REGION_NAME",)),
            # Without keys boto3 finds its own credentials (an instance or task role).
            Option("aws_access_key_id", ("AWS_SES_ACCESS_KEY_ID",), required=False),
            Option("aws_secret_access_key", ("AWS_SES_SECRET_ACCESS_KEY",), required=False),
        ),
    ),
)
BY_BACKEND = {p.backend: p for p in PROVIDERS}
VARIABLES = tuple(v for p in PROVIDERS for o in p.options for v in o.variables)


def _first(values: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if values.get(n, "").strip()), None)


def attached(values: Mapping[str, str], prefer: str = "") -> Provider | None:
    """The provider whose variables are set; `prefer` (a backend path: settings.py's choice)
    first, and the only way to an unsupported one."""
    ordered = sorted(PROVIDERS, key=lambda p: p.backend != prefer)
    usable = (p for p in ordered if not p.unsupported or p.backend == prefer)
    return next((p for p in usable if _first(values, p.options[0].variables)), None)


def provider_mail(provider: Provider, values: Mapping[str, str], source: str) -> Mail:
    """The Mail for `provider`: its backend and options, or an error naming what is missing."""
    options: list[tuple[str, object]] = []
    keys = []
    for option in provider.options:
        name = _first(values, option.variables)
        if name is None:
            if option.required:
                given = provider.options[0].variables[0]
                raise ImproperlyConfigured(f"{source} {given} is set without {' or '.join(option.variables)}.")
            continue
        value = values[name].strip()
        if option.name == "api_url" and not value.lower().startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"{source} {name} must be an https:// URL (the provider's API).")
        keys.append(name)
        options.append((option.name, value))
    if provider.esp == "AMAZON_SES":
        # Anymail hands these to boto3's client as one mapping.
        options = [("client_params", dict(options))]
    return Mail(provider.backend, f"{source} {keys[0]}", keys=tuple(keys), esp=provider.esp, options=tuple(options))


def anymail_settings(mail: Mail) -> dict[str, object]:
    """The ANYMAIL entries for `mail` (Django before 6.1 has no MAILERS to carry options)."""
    return {f"{mail.esp}_{name.upper()}": value for name, value in mail.options}
