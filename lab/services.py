"""The lab's processes: how each is started and how its readiness is probed."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from lab import health, libvirt
from lab.layout import HOST, PORTS, SERVICE_HOST, Layout, url

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
SINGLE_PROCESS = Path(__file__).resolve().parent / "scripts" / "nova_single_process.py"
NODE = "cloudnotes-lab@localhost"


@dataclass(frozen=True)
class Service:
    """One long-running process of the lab."""

    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    endpoint: str = ""
    # True when the process answers; None for workers whose health the APIs report.
    probe: Callable[[], bool] | None = None


def base_env(layout: Layout) -> dict[str, str]:
    """The environment of every lab process: the venv first on PATH, TMPDIR in the lab."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OS_", "VIRTUAL_ENV", "PYTHON", "UV_"))}
    env.update({
        "PATH": f"{layout.bin}:{env.get('PATH', '/usr/bin:/bin')}",
        "VIRTUAL_ENV": str(layout.venv),
        "TMPDIR": str(layout.tmp),
        "PYTHONWARNINGS": "ignore",
        "LC_ALL": "C.UTF-8",
    })
    return env


def uwsgi_argv(layout: Layout, name: str, module: str, *extra: str) -> list[str]:
    """One uWSGI per API, as DevStack runs them (see the lab notes for each flag's reason)."""
    return [
        str(layout.bin / "uwsgi"),
        "--master", "--processes", "1", "--threads", "4", "--lazy-apps", "--need-app",
        "--die-on-term", "--enable-threads", "--thunder-lock",
        "--http-socket", f"{HOST}:{PORTS[name]}",
        "--add-header", "Connection: close",
        "--home", str(layout.venv),
        "--module", module,
        "--buffer-size", "65535",
        "--reload-mercy", "3", "--worker-reload-mercy", "3",
        "--disable-logging",
        *extra,
    ]


def rabbitmq_env(layout: Layout) -> dict[str, str]:
    base = layout.data / "rabbitmq"
    return {
        "HOME": str(base / "home"),
        "RABBITMQ_NODENAME": NODE,
        "RABBITMQ_NODE_IP_ADDRESS": HOST,
        "RABBITMQ_NODE_PORT": str(PORTS["rabbitmq"]),
        "RABBITMQ_DIST_PORT": str(PORTS["rabbitmq-dist"]),
        "RABBITMQ_CONFIG_FILE": str(layout.etc / "rabbitmq" / "rabbitmq.conf"),
        "RABBITMQ_CONF_ENV_FILE": str(layout.etc / "rabbitmq" / "rabbitmq-env.conf"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(layout.etc / "rabbitmq" / "advanced.config"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(layout.etc / "rabbitmq" / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
        "RABBITMQ_LOG_BASE": str(layout.logs),
        "RABBITMQ_LOGS": "-",
        "RABBITMQ_PID_FILE": str(base / "rabbitmq.pid"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_CTL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "ERL_EPMD_ADDRESS": HOST,
        "ERL_EPMD_PORT": str(PORTS["epmd"]),
    }


def conf(layout: Layout, service: str, name: str) -> str:
    return str(layout.etc / service / name)


def all_services(layout: Layout) -> dict[str, Service]:
    """Every process `up` starts, by name (the name is also its pid and log file name)."""
    # every service retries SQLite lock collisions (cloudnotes_lab_plugins/sqlite_retry.py);
    # the one-shot database tools do not need it
    env = base_env(layout) | {"CLOUDNOTES_LAB_SQLITE": "retry"}
    bin_ = layout.bin
    memcached = ["/usr/bin/memcached", "-l", HOST, "-p", str(PORTS["memcached"]), "-U", "0",
                 "-m", "64", "-c", "1024"] + (["-u", "root"] if os.geteuid() == 0 else [])
    nova = ["--config-file", conf(layout, "nova", "nova.conf")]
    cinder = ["--config-file", conf(layout, "cinder", "cinder.conf")]
    services = [
        Service("epmd", ["/usr/bin/epmd", "-address", HOST, "-port", str(PORTS["epmd"])], env,
                f"{HOST}:{PORTS['epmd']}", health.epmd_ok),
        Service("memcached", memcached, env, f"{HOST}:{PORTS['memcached']}", health.memcached_ok),
        Service("rabbitmq", [RABBITMQ_SERVER], env | rabbitmq_env(layout),
                f"amqp://{HOST}:{PORTS['rabbitmq']}", health.amqp_ok),
        Service("keystone", uwsgi_argv(layout, "keystone", "keystone.wsgi.api:application"),
                env | {"OS_KEYSTONE_CONFIG_FILES": conf(layout, "keystone", "keystone.conf")},
                url("keystone", "/v3"), partial(health.http_ok, url("keystone", "/v3"))),
        Service("glance", uwsgi_argv(layout, "glance", "glance.wsgi.api:application",
                                     "--http-chunked-input", "--http-auto-chunked",
                                     "--http-raw-body"),
                env | {"OS_GLANCE_CONFIG_DIR": str(layout.etc / "glance")},
                url("glance"), partial(health.http_ok, url("glance"))),
        Service("placement", uwsgi_argv(layout, "placement", "placement.wsgi.api:application"),
                env | {"OS_PLACEMENT_CONFIG_DIR": str(layout.etc / "placement")},
                url("placement"), partial(health.http_ok, url("placement"))),
        Service("nova-api", uwsgi_argv(layout, "nova", "nova.wsgi.osapi_compute:application"),
                env | {"OS_NOVA_CONFIG_DIR": str(layout.etc / "nova")},
                url("nova", "/v2.1"), partial(health.http_ok, url("nova"))),
        Service("neutron-api", uwsgi_argv(layout, "neutron", "neutron.wsgi.api:application"),
                env | {"OS_NEUTRON_CONFIG_DIR": str(layout.etc / "neutron")},
                url("neutron"), partial(health.http_ok, url("neutron"))),
        Service("cinder-api", uwsgi_argv(layout, "cinder", "cinder.wsgi.api:application",
                                         "--pyargv", " ".join(cinder)),
                env, url("cinder", "/v3"), partial(health.http_ok, url("cinder"))),
        Service("virtlogd", libvirt.virtlogd_argv(layout), env,
                f"unix:{libvirt.root(layout) / 'run' / 'virtlogd-sock'}",
                partial(libvirt.unix_socket_answers,
                        libvirt.root(layout) / "run" / "virtlogd-sock")),
        Service("libvirtd", libvirt.libvirtd_argv(layout), env,
                f"unix:{libvirt.socket_path(layout)}",
                partial(libvirt.unix_socket_answers, libvirt.socket_path(layout))),
        # one process each instead of a master plus one forked worker (see the script)
        Service("nova-conductor", [str(layout.python), str(SINGLE_PROCESS), "conductor", *nova],
                env),
        Service("nova-scheduler", [str(layout.python), str(SINGLE_PROCESS), "scheduler", *nova],
                env),
        Service("nova-compute", [str(bin_ / "nova-compute"), *nova], env),
        Service("cinder-scheduler", [str(bin_ / "cinder-scheduler"), *cinder], env),
        Service("cinder-volume", [str(bin_ / "cinder-volume"), *cinder], env),
    ]
    for kind in ("account", "container", "object"):
        port = PORTS[f"swift-{kind}"]
        services.append(Service(
            f"swift-{kind}", [str(bin_ / f"swift-{kind}-server"),
                              conf(layout, "swift", f"{kind}-server.conf"), "-v"], env,
            f"http://{HOST}:{port}", partial(health.http_ok, f"http://{HOST}:{port}/healthcheck")))
    services.append(Service(
        "swift-proxy", [str(bin_ / "swift-proxy-server"),
                        conf(layout, "swift", "proxy-server.conf"), "-v"], env,
        url("swift", "/v1"), partial(health.http_ok, url("swift", "/healthcheck"))))
    from lab.horizon import service as horizon  # its own venv and settings (lab/horizon.py)

    services.append(horizon(layout))
    return {s.name: s for s in services}


# Workers whose health the APIs report: {process name: (API, binary in os-services)}
WORKERS = {
    "nova-conductor": ("compute", "nova-conductor"),
    "nova-scheduler": ("compute", "nova-scheduler"),
    "nova-compute": ("compute", "nova-compute"),
    "cinder-scheduler": ("volume", "cinder-scheduler"),
    "cinder-volume": ("volume", "cinder-volume"),
}

# The RPC queue each worker consumes (oslo.messaging's topic.server queue): a consumer on it
# means the worker is connected to RabbitMQ and can be asked to do something.
RPC_QUEUES = {
    "nova-conductor": "conductor",
    "nova-scheduler": "scheduler",
    "nova-compute": f"compute.{SERVICE_HOST}",
    "cinder-scheduler": "cinder-scheduler",
    "cinder-volume": f"cinder-volume.{SERVICE_HOST}@lab",
}
