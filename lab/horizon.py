"""Horizon, the dashboard, in the lab: its venv, its settings, its static files, its process.

Horizon lives in `.lab/horizon/`, apart from the services (its Django stack need not agree
with theirs):

- `venv/` from lab/horizon-requirements.lock (Horizon 27.0.0, pymemcache, uWSGI);
- `local_settings.py`, linked into the venv as `openstack_dashboard/local/local_settings.py`
  and rewritten at every `up` (it holds the Keystone URL and the secret key);
- `static/`, what `collectstatic` gathers and `compress --force` minifies (COMPRESS_OFFLINE:
  the pages then only name the compressed files).

The wheels ship Korean catalogues as `.po` only: they are compiled to `.mo` with Babel (a
Horizon dependency; ~5x quicker than Django's `compilemessages`). All of that is done when
the lock or the settings baked into the compressed files change, not at each start, so a
cold start (and `python -m lab bench`, whose wipe keeps this folder) does not pay for it.

`up` then runs uWSGI on 127.0.0.1 with the dashboard mounted under /dashboard, as DevStack
serves it, with sessions in the lab's memcached under their own key prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from lab import health
from lab.install import PYTHON, InstallError, install_venv
from lab.layout import HOST, PORTS, Layout, url
from lab.services import Service, base_env

HERE = Path(__file__).resolve().parent
LOCK = HERE / "horizon-requirements.lock"
HOME = "horizon"  # the folder under the lab's state folder
WEBROOT = "/dashboard/"
URL = url("horizon", WEBROOT)
LOGIN_URL = url("horizon", WEBROOT + "auth/login/")
SETTINGS_MODULE = "openstack_dashboard.settings"
SESSION_KEY_PREFIX = "horizon"
# (package, gettext domain) of every Korean catalogue the wheels ship uncompiled
CATALOGUES = (("horizon", "django"), ("horizon", "djangojs"),
              ("openstack_dashboard", "django"), ("openstack_dashboard", "djangojs"),
              ("openstack_auth", "django"))
CATALOGUE_LOCALE = "ko_KR"


@dataclass(frozen=True)
class Paths:
    """Where one Horizon install keeps its parts (`.lab/horizon`, or a scratch folder)."""

    home: Path

    @classmethod
    def of(cls, layout: Layout) -> Paths:
        return cls(layout.state / HOME)

    @property
    def venv(self) -> Path:
        return self.home / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def static(self) -> Path:
        return self.home / "static"

    @property
    def settings(self) -> Path:
        return self.home / "local_settings.py"

    @property
    def venv_mark(self) -> Path:
        return self.venv / ".cloudnotes-lock"

    @property
    def static_mark(self) -> Path:
        return self.static / ".cloudnotes-static"

    @property
    def site_packages(self) -> Path:
        return self.venv / "lib" / f"python{PYTHON}" / "site-packages"


def version(lock: Path = LOCK) -> str:
    """The Horizon version the lock pins."""
    match = re.search(r"^horizon==(\S+)$", lock.read_text(), re.M)
    if not match:
        raise InstallError(f"{lock.name} pins no horizon version")
    return match.group(1)


# --- settings -----------------------------------------------------------------------------

def secret_key(sec: Mapping[str, str]) -> str:
    """Django's SECRET_KEY, derived from the lab's passwords (new passwords, new key)."""
    material = json.dumps(dict(sec), sort_keys=True).encode()
    return hmac.new(material, b"cloudnotes-lab horizon SECRET_KEY", hashlib.sha256).hexdigest()


def _assignments(values: Mapping[str, object]) -> str:
    return "".join(f"{name} = {value!r}\n" for name, value in values.items())


def baked_settings(paths: Paths) -> str:
    """The settings `compress` bakes into the static files: a change means compressing again.

    STATIC_URL follows WEBROOT and is written into the offline manifest and the CSS; DEBUG
    changes the template context of the compressed blocks.
    """
    return _assignments({
        "DEBUG": False,
        "WEBROOT": WEBROOT,
        "STATIC_ROOT": str(paths.static),
        "COMPRESS_ENABLED": True,
        "COMPRESS_OFFLINE": True,
    })


def runtime_settings(sec: Mapping[str, str]) -> str:
    """The settings read at each start (none of them reaches the compressed files)."""
    memcached = f"{HOST}:{PORTS['memcached']}"
    return _assignments({
        "ALLOWED_HOSTS": [HOST, "localhost"],
        "SECRET_KEY": secret_key(sec),
        "OPENSTACK_KEYSTONE_URL": url("keystone", "/v3"),
        "OPENSTACK_KEYSTONE_DEFAULT_ROLE": "member",
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        # the lab's memcached also holds Keystone's cache and the services' tokens
        "CACHES": {"default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": memcached, "KEY_PREFIX": SESSION_KEY_PREFIX}},
        # the wizard's "Create New Volume" defaults to Yes; the lab's volumes hold no data
        "LAUNCH_INSTANCE_DEFAULTS": {"create_volume": False},
        "TIME_ZONE": "UTC",
        "LOGGING": {
            "version": 1, "disable_existing_loggers": False,
            "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
            "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
            "root": {"handlers": ["console"], "level": "WARNING"},
        },
    })


def render_settings(paths: Paths, sec: Mapping[str, str]) -> str:
    return ("# Written by `python -m lab up` for the lab's Horizon (lab/horizon.py); rewritten "
            "at every start.\n\n# Baked into the compressed static files at install time:\n"
            + baked_settings(paths)
            + "\n# Read at each start:\n" + runtime_settings(sec))


def write_settings(paths: Paths, sec: Mapping[str, str]) -> None:
    """Write local_settings.py and link it where openstack_dashboard.settings imports it."""
    paths.home.mkdir(parents=True, exist_ok=True)
    text = render_settings(paths, sec)
    if not paths.settings.exists() or paths.settings.read_text() != text:
        paths.settings.touch(mode=0o600)  # it holds the secret key
        paths.settings.write_text(text)
    if paths.venv.exists():
        link = paths.site_packages / "openstack_dashboard" / "local" / "local_settings.py"
        if not link.is_symlink() or link.resolve() != paths.settings.resolve():
            link.unlink(missing_ok=True)
            link.symlink_to(paths.settings)


# --- install ------------------------------------------------------------------------------

def wanted_marks(paths: Paths, lock: Path = LOCK) -> dict[str, str]:
    """What each prepared part must have been made from: the lock; the lock + baked settings."""
    lock_sum = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    baked = hashlib.sha256(baked_settings(paths).encode()).hexdigest()[:16]
    return {"venv": lock_sum, "static": f"{lock_sum}-{baked}"}


def current_marks(paths: Paths) -> dict[str, str | None]:
    def read(mark: Path) -> str | None:
        return mark.read_text().strip() if mark.exists() else None

    have_venv = paths.python.exists()
    return {"venv": read(paths.venv_mark) if have_venv else None,
            "static": read(paths.static_mark) if have_venv else None}


def install_steps(have: Mapping[str, str | None], want: Mapping[str, str]) -> list[str]:
    """Which install steps to run, in order: a new venv needs its catalogues and static
    files again; changed baked settings only need the static files again."""
    if have.get("venv") != want["venv"]:
        return ["venv", "catalogues", "static"]
    if have.get("static") != want["static"]:
        return ["static"]
    return []


def _run(argv: list[str], what: str, env: Mapping[str, str] | None = None,
         cwd: Path | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()[-15:]
        raise InstallError(f"horizon {what} failed:\n" + "\n".join(lines))


def compile_catalogues(paths: Paths) -> None:
    """`pybabel compile` each Korean .po the wheels ship into the .mo gettext reads."""
    site = paths.site_packages
    pybabel = str(paths.venv / "bin" / "pybabel")
    for package, domain in CATALOGUES:
        folder = site / package / "locale" / CATALOGUE_LOCALE / "LC_MESSAGES"
        _run([pybabel, "--quiet", "compile", "--locale", CATALOGUE_LOCALE,
              "--input-file", str(folder / f"{domain}.po"),
              "--output-file", str(folder / f"{domain}.mo")], f"catalogue {package}/{domain}")


def django_env(paths: Paths) -> dict[str, str]:
    return {"PATH": f"{paths.venv / 'bin'}:/usr/bin:/bin", "LC_ALL": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE, "PYTHONWARNINGS": "ignore",
            "VIRTUAL_ENV": str(paths.venv)}


# `compress` renders the {% cache %} block of the script templates, and skips, silently, a
# block it cannot render: at install time the lab's memcached is not running, so it gets a
# local-memory cache (what it renders is the same; only where it is cached differs).
INSTALL_CACHE = ('CACHES = {"default": '
                 '{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}\n')
INSTALL_SNIPPET = "_99_cloudnotes_lab_install.py"
# Render the login page as a browser would ask for it: every compressed block it names must
# be in the offline manifest (a missing one is an error page at every request otherwise).
SMOKE_RENDER = """
import django
django.setup()
from django.test import Client
response = Client(raise_request_exception=True).get("/auth/login/", HTTP_HOST="127.0.0.1")
assert response.status_code == 200, response.status_code
"""


def prepare_static(paths: Paths) -> dict[str, float]:
    """collectstatic into a fresh STATIC_ROOT, compress offline, check; seconds of each."""
    shutil.rmtree(paths.static, ignore_errors=True)
    snippet = paths.site_packages / "openstack_dashboard" / "local" / "local_settings.d" \
        / INSTALL_SNIPPET
    snippet.write_text(INSTALL_CACHE)
    spent = {}
    try:
        for what, args in (("collectstatic", ["-m", "django", "collectstatic", "--noinput"]),
                           ("compress", ["-m", "django", "compress", "--force"]),
                           ("check", ["-c", SMOKE_RENDER])):
            started = time.monotonic()
            _run([str(paths.python), *args], what, env=django_env(paths), cwd=paths.home)
            spent[what] = time.monotonic() - started
    finally:
        snippet.unlink(missing_ok=True)
    return spent


def ensure_installed(paths: Paths, sec: Mapping[str, str], log: Callable[[str], None] = print,
                     lock: Path = LOCK) -> dict[str, float]:
    """Write the settings, then install what is missing or stale; seconds per step."""
    want = wanted_marks(paths, lock)
    steps = install_steps(current_marks(paths), want)
    spent: dict[str, float] = {}
    if "venv" in steps:
        shutil.rmtree(paths.venv, ignore_errors=True)
        spent["venv"] = install_venv(paths.venv, log, lock=lock, what="Horizon")
    write_settings(paths, sec)
    if "catalogues" in steps:
        started = time.monotonic()
        compile_catalogues(paths)
        spent["catalogues"] = time.monotonic() - started
        paths.venv_mark.write_text(want["venv"])
    if "static" in steps:
        log("lab: preparing Horizon's static files (collectstatic, compress)")
        spent.update(prepare_static(paths))
        paths.static_mark.write_text(want["static"])
    if spent:
        log("lab: Horizon installed: " + ", ".join(f"{k} {v:.1f}s" for k, v in spent.items()))
    return spent


def measure_install(scratch: Path, sec: Mapping[str, str]) -> dict[str, float]:
    """A fresh Horizon install into `scratch`, removed afterwards: seconds per step."""
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        return ensure_installed(Paths(scratch), sec,
                                log=lambda m: print(f"bench: {m}", flush=True))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# --- the process --------------------------------------------------------------------------

def uwsgi_argv(paths: Paths) -> list[str]:
    """uWSGI with the dashboard under /dashboard and the static files served by uWSGI itself.

    With --mount and --manage-script-name the static map is matched after /dashboard has been
    stripped, so it is `/static=`, not `/dashboard/static=`.
    """
    wsgi = paths.site_packages / "openstack_dashboard" / "wsgi.py"
    return [
        str(paths.venv / "bin" / "uwsgi"),
        "--master", "--processes", "1", "--threads", "4", "--lazy-apps", "--need-app",
        "--die-on-term",
        "--enable-threads",
        "--http-socket", f"{HOST}:{PORTS['horizon']}",
        "--add-header", "Connection: close",
        "--home", str(paths.venv),
        "--mount", f"{WEBROOT.rstrip('/')}={wsgi}", "--manage-script-name",
        "--static-map", f"/static={paths.static}",
        "--env", f"DJANGO_SETTINGS_MODULE={SETTINGS_MODULE}",
        "--buffer-size", "65535",
        "--reload-mercy", "3", "--worker-reload-mercy", "3",
        "--disable-logging",
    ]


def service(layout: Layout) -> Service:
    paths = Paths.of(layout)
    env = base_env(layout) | {"PATH": f"{paths.venv / 'bin'}:/usr/bin:/bin",
                              "VIRTUAL_ENV": str(paths.venv)}
    return Service("horizon", uwsgi_argv(paths), env, URL,
                   partial(health.http_ok, LOGIN_URL, accept=(200,)))
