"""Configuration files of the lab, generated as text from the layout and the passwords.

Everything here is pure (no file or process access) so the tests can check what would be
written: `render(layout, secrets)` returns {path relative to the state folder: text}.
"""

from __future__ import annotations

import secrets as _secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lab import libvirt
from lab.layout import HOST, PORTS, REGION, SERVICE_HOST, Layout, url

SERVICE_USERS = ("glance", "nova", "neutron", "cinder", "placement", "swift")
SECRET_NAMES = ("admin", "demo", "alt_demo", *SERVICE_USERS, "rabbit",
                "swift_hash_prefix", "swift_hash_suffix")

MEMCACHED = f"{HOST}:{PORTS['memcached']}"


def new_secrets() -> dict[str, str]:
    """Fresh random passwords for every account the lab creates."""
    return {name: _secrets.token_hex(12) for name in SECRET_NAMES}


def ini(sections: Mapping[str, Mapping[str, Any]]) -> str:
    """Render {section: {key: value}} as an ini file (booleans as true/false)."""
    out: list[str] = []
    for section, values in sections.items():
        out.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            out.append(f"{key} = {value}")
        out.append("")
    return "\n".join(out)


def transport_url(sec: Mapping[str, str]) -> str:
    return f"rabbit://cloudnotes:{sec['rabbit']}@{HOST}:{PORTS['rabbitmq']}/"


def _auth(user: str, sec: Mapping[str, str]) -> dict[str, Any]:
    """A keystoneauth password section for a service user in project `service`."""
    return {
        "auth_type": "password",
        "auth_url": url("keystone"),
        "username": user,
        "password": sec[user],
        "project_name": "service",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
        "region_name": REGION,
    }


def _authtoken(user: str, sec: Mapping[str, str]) -> dict[str, Any]:
    return {
        "www_authenticate_uri": url("keystone"),
        **_auth(user, sec),
        "memcached_servers": MEMCACHED,
        "service_token_roles_required": True,
    }


def _common(layout: Layout, name: str) -> dict[str, dict[str, Any]]:
    return {
        "oslo_concurrency": {"lock_path": layout.data / "locks" / name},
        "oslo_messaging_notifications": {"driver": "noop"},
    }


def keystone_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    keys = layout.etc / "keystone"
    return ini({
        "DEFAULT": {"max_token_size": 255},
        # bcrypt's minimum cost: every password login hashes once, and the default (12)
        # costs ~0.3 s of CPU per token on this kind of machine. Lab passwords only.
        "identity": {"password_hash_algorithm": "bcrypt", "password_hash_rounds": 4},
        "database": {"connection": layout.sqlite("keystone")},
        "token": {"provider": "fernet"},
        "fernet_tokens": {"key_repository": keys / "fernet-keys"},
        "fernet_receipts": {"key_repository": keys / "fernet-keys"},
        "credential": {"key_repository": keys / "credential-keys"},
        "cache": {"enabled": True, "backend": "oslo_cache.memcache_pool",
                  "memcache_servers": MEMCACHED},
        **_common(layout, "keystone"),
    })


def glance_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    store = layout.data / "glance"
    return ini({
        "DEFAULT": {
            "bind_host": HOST,
            "bind_port": PORTS["glance"],
            "worker_self_reference_url": url("glance"),
            "enabled_backends": "fs:file",
            "image_cache_dir": store / "cache",
            "show_image_direct_url": False,
            "show_multiple_locations": False,
        },
        "database": {"connection": layout.sqlite("glance")},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": store / "images"},
        "os_glance_staging_store": {"filesystem_store_datadir": store / "staging"},
        "os_glance_tasks_store": {"filesystem_store_datadir": store / "tasks"},
        "keystone_authtoken": _authtoken("glance", sec),
        "paste_deploy": {"flavor": "keystone"},
        **_common(layout, "glance"),
    })


def placement_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    return ini({
        "placement_database": {"connection": layout.sqlite("placement")},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": _authtoken("placement", sec),
        **_common(layout, "placement"),
    })


def nova_conf(layout: Layout, sec: Mapping[str, str], virt_type: str = "qemu") -> str:
    state = layout.data / "nova"
    conf = layout.etc / "nova" / "nova.conf"
    # nova-compute runs as root: its privileged helpers run privsep-helper directly
    privileged = {"helper_command": f"{layout.bin / 'privsep-helper'} --config-file {conf}"}
    return ini({
        "DEFAULT": {
            "host": SERVICE_HOST,
            "my_ip": HOST,
            "compute_driver": "libvirt.LibvirtDriver",
            "transport_url": transport_url(sec),
            "state_path": state,
            "instances_path": state / "instances",
            "enabled_apis": "osapi_compute",
            "osapi_compute_listen": HOST,
            "osapi_compute_workers": 1,
            "metadata_workers": 1,
            "use_rootwrap_daemon": False,
            # no metadata service is reachable from the guests: Nova's config drive carries
            # the instance's identity (the lab's guest prints its UUID and host name)
            "force_config_drive": True,
            "heal_instance_info_cache_interval": -1,
        },
        "libvirt": {
            "virt_type": virt_type,
            "connection_uri": libvirt.connection_uri(layout),
            # TCG emulates a generic CPU; `host-model` needs KVM
            "cpu_mode": "none" if virt_type == "qemu" else "host-model",
            "inject_partition": -2,
            "inject_password": False,
            "inject_key": False,
            "mem_stats_period_seconds": 0,
            "swtpm_enabled": False,
        },
        "api": {"auth_strategy": "keystone"},
        "wsgi": {"api_paste_config": layout.etc / "nova" / "api-paste.ini"},
        "api_database": {"connection": layout.sqlite("nova_api")},
        "database": {"connection": layout.sqlite("nova_cell1")},
        "conductor": {"workers": 1},
        "scheduler": {"workers": 1},
        "keystone_authtoken": _authtoken("nova", sec),
        "service_user": {"send_service_user_token": True, **_auth("nova", sec)},
        "placement": _auth("nova", sec),
        "neutron": _auth("nova", sec),
        "cinder": {"os_region_name": REGION, **_auth("nova", sec)},
        "glance": {"region_name": REGION},
        "vnc": {"enabled": False},
        "spice": {"enabled": False},
        "serial_console": {"enabled": False},
        "nova_sys_admin": privileged,
        "privsep_osbrick": privileged,
        **_common(layout, "nova"),
    })


def neutron_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    return ini({
        "DEFAULT": {
            "host": SERVICE_HOST,
            "bind_host": HOST,
            "bind_port": PORTS["neutron"],
            "core_plugin": "ml2",
            "service_plugins": "router",
            "auth_strategy": "keystone",
            "allow_overlapping_ips": True,
            "transport_url": transport_url(sec),
            "api_paste_config": layout.etc / "neutron" / "api-paste.ini",
            "state_path": layout.data / "neutron",
            "notify_nova_on_port_status_changes": True,
            "notify_nova_on_port_data_changes": True,
            "dhcp_agent_notification": False,
            "api_workers": 1,
            "rpc_workers": 0,
            "rpc_state_report_workers": 0,
        },
        "database": {"connection": layout.sqlite("neutron")},
        "keystone_authtoken": _authtoken("neutron", sec),
        "nova": _auth("neutron", sec),
        "agent": {"report_interval": 0},
        **_common(layout, "neutron"),
    })


def ml2_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    return ini({
        "ml2": {
            "type_drivers": "flat,vlan,vxlan",
            "tenant_network_types": "vxlan",
            "mechanism_drivers": "cloudnotes_bind_all",
            "extension_drivers": "port_security",
        },
        "ml2_type_flat": {"flat_networks": "public"},
        "ml2_type_vlan": {"network_vlan_ranges": "public"},
        "ml2_type_vxlan": {"vni_ranges": "1:1000"},
        "securitygroup": {"enable_security_group": True, "firewall_driver": "noop"},
    })


def cinder_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    conf = layout.etc / "cinder" / "cinder.conf"
    return ini({
        "DEFAULT": {
            "host": SERVICE_HOST,
            "my_ip": HOST,
            "transport_url": transport_url(sec),
            "auth_strategy": "keystone",
            "api_paste_config": layout.etc / "cinder" / "api-paste.ini",
            "state_path": layout.data / "cinder",
            "enabled_backends": "lab",
            "osapi_volume_listen": HOST,
            "osapi_volume_workers": 1,
            "glance_api_servers": url("glance"),
            # the filters each list API accepts (Horizon asks for ?status=, ?bootable=)
            "resource_query_filters_file": layout.etc / "cinder" / "resource_filters.json",
        },
        # volumes are sparse files, attached to guests through loop devices
        "lab": {
            "volume_driver": "cloudnotes_lab_plugins.cinder_driver.LabVolumeDriver",
            "volume_backend_name": "lab",
            "lab_volumes_dir": layout.data / "cinder" / "volumes",
        },
        "database": {"connection": layout.sqlite("cinder")},
        "keystone_authtoken": _authtoken("cinder", sec),
        "nova": _auth("cinder", sec),
        "service_user": {"send_service_user_token": True, **_auth("cinder", sec)},
        "coordination": {"backend_url": f"file://{layout.data / 'cinder' / 'coordination'}"},
        "cinder_sys_admin": {
            "helper_command": f"{layout.bin / 'privsep-helper'} --config-file {conf}"},
        **_common(layout, "cinder"),
    })


# --- Swift -----------------------------------------------------------------------------------

SWIFT_PIPELINE = ("catch_errors gatekeeper healthcheck proxy-logging cache listing_formats "
                  "container_sync bulk tempurl ratelimit authtoken keystoneauth formpost "
                  "staticweb copy container-quotas account-quotas slo dlo versioned_writes "
                  "symlink proxy-logging proxy-server")


def swift_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    return ini({
        "swift-hash": {"swift_hash_path_prefix": sec["swift_hash_prefix"],
                       "swift_hash_path_suffix": sec["swift_hash_suffix"]},
        "storage-policy:0": {"name": "Policy-0", "default": "yes"},
    })


def _swift_server_default(layout: Layout, port: int) -> dict[str, Any]:
    return {
        "devices": layout.data / "swift",
        "mount_check": False,
        "disable_fallocate": True,
        "bind_ip": HOST,
        "bind_port": port,
        "workers": 0,
        "swift_dir": layout.etc / "swift",
        "log_name": "swift",
        # no syslog: the servers log to stderr (-v, the lab's log files) and nothing else,
        # where Swift would otherwise send UDP from a socket bound to 0.0.0.0
        "log_custom_handlers": "cloudnotes_lab_plugins.swift_logging.without_syslog",
    }


def swift_storage_conf(layout: Layout, kind: str) -> str:
    """account-server.conf, container-server.conf or object-server.conf."""
    sections: dict[str, dict[str, Any]] = {
        "DEFAULT": _swift_server_default(layout, PORTS[f"swift-{kind}"]),
        "pipeline:main": {"pipeline": f"healthcheck recon {kind}-server"},
        f"app:{kind}-server": {"use": f"egg:swift#{kind}"},
        "filter:healthcheck": {"use": "egg:swift#healthcheck"},
        "filter:recon": {"use": "egg:swift#recon",
                         "recon_cache_path": layout.data / "swift-recon"},
        f"{kind}-replicator": {},
        f"{kind}-auditor": {},
    }
    if kind != "account":
        sections[f"{kind}-updater"] = {}
    return ini(sections)


def swift_proxy_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    authtoken = {"paste.filter_factory": "keystonemiddleware.auth_token:filter_factory",
                 **_authtoken("swift", sec), "delay_auth_decision": True}
    return ini({
        "DEFAULT": {**_swift_server_default(layout, PORTS["swift"])},
        "pipeline:main": {"pipeline": SWIFT_PIPELINE},
        "app:proxy-server": {"use": "egg:swift#proxy", "account_autocreate": True,
                             "allow_account_management": True},
        "filter:catch_errors": {"use": "egg:swift#catch_errors"},
        "filter:gatekeeper": {"use": "egg:swift#gatekeeper"},
        "filter:healthcheck": {"use": "egg:swift#healthcheck"},
        "filter:proxy-logging": {"use": "egg:swift#proxy_logging"},
        "filter:cache": {"use": "egg:swift#memcache", "memcache_servers": MEMCACHED},
        "filter:listing_formats": {"use": "egg:swift#listing_formats"},
        "filter:container_sync": {"use": "egg:swift#container_sync"},
        "filter:bulk": {"use": "egg:swift#bulk"},
        "filter:tempurl": {"use": "egg:swift#tempurl"},
        "filter:ratelimit": {"use": "egg:swift#ratelimit"},
        "filter:authtoken": authtoken,
        "filter:keystoneauth": {"use": "egg:swift#keystoneauth",
                                "operator_roles": "admin, member",
                                "reseller_admin_role": "ResellerAdmin"},
        "filter:formpost": {"use": "egg:swift#formpost"},
        "filter:staticweb": {"use": "egg:swift#staticweb"},
        "filter:copy": {"use": "egg:swift#copy"},
        "filter:container-quotas": {"use": "egg:swift#container_quotas"},
        "filter:account-quotas": {"use": "egg:swift#account_quotas"},
        "filter:slo": {"use": "egg:swift#slo"},
        "filter:dlo": {"use": "egg:swift#dlo"},
        "filter:versioned_writes": {"use": "egg:swift#versioned_writes",
                                    "allow_versioned_writes": True},
        "filter:symlink": {"use": "egg:swift#symlink"},
    })


# --- RabbitMQ, clouds.yaml -------------------------------------------------------------------

def rabbitmq_conf(layout: Layout, sec: Mapping[str, str]) -> str:
    return "\n".join([
        f"listeners.tcp.1 = {HOST}:{PORTS['rabbitmq']}",
        "default_user = cloudnotes",
        f"default_pass = {sec['rabbit']}",
        "log.console = true",
        "log.console.level = warning",
        "log.file = false",
        "",
    ])


CLOUD_USERS = {
    "devstack": ("demo", "demo"),
    "devstack-admin": ("admin", "admin"),
    "devstack-alt-demo": ("alt_demo", "alt_demo"),
    # DevStack itself names the alt_demo cloud "devstack-alt"; both names work here.
    "devstack-alt": ("alt_demo", "alt_demo"),
}


def clouds(sec: Mapping[str, str]) -> dict[str, Any]:
    """DevStack's cloud names, pointing at the lab."""
    out: dict[str, Any] = {}
    for cloud, (user, project) in CLOUD_USERS.items():
        out[cloud] = {
            "auth": {
                "auth_url": url("keystone", "/v3"),
                "username": user,
                "password": sec[user],
                "project_name": project,
                "user_domain_id": "default",
                "project_domain_id": "default",
            },
            "region_name": REGION,
            "interface": "public",
            "identity_api_version": 3,
        }
    out["devstack-system-admin"] = {
        "auth": {
            "auth_url": url("keystone", "/v3"),
            "username": "admin",
            "password": sec["admin"],
            "user_domain_id": "default",
            "system_scope": "all",
        },
        "region_name": REGION,
        "interface": "public",
        "identity_api_version": 3,
    }
    return {"clouds": out}


def clouds_yaml(sec: Mapping[str, str]) -> str:
    return ("# Written by `python -m lab up` for the local OpenStack lab (DevStack's cloud names)."
            "\n" + yaml.safe_dump(clouds(sec), sort_keys=False))


def render(layout: Layout, sec: Mapping[str, str], virt_type: str = "qemu") -> dict[Path, str]:
    """Every generated file, keyed by its path relative to the state folder."""
    files = {
        "etc/keystone/keystone.conf": keystone_conf(layout, sec),
        "etc/glance/glance-api.conf": glance_conf(layout, sec),
        "etc/placement/placement.conf": placement_conf(layout, sec),
        "etc/nova/nova.conf": nova_conf(layout, sec, virt_type),
        "etc/neutron/neutron.conf": neutron_conf(layout, sec),
        "etc/neutron/plugins/ml2/ml2_conf.ini": ml2_conf(layout, sec),
        "etc/cinder/cinder.conf": cinder_conf(layout, sec),
        "etc/swift/swift.conf": swift_conf(layout, sec),
        "etc/swift/proxy-server.conf": swift_proxy_conf(layout, sec),
        "etc/rabbitmq/rabbitmq.conf": rabbitmq_conf(layout, sec),
        "clouds.yaml": clouds_yaml(sec),
    }
    for kind in ("account", "container", "object"):
        files[f"etc/swift/{kind}-server.conf"] = swift_storage_conf(layout, kind)
    return {Path(k): v for k, v in files.items()} | libvirt.render(layout)


# Paste files shipped with the services (data files of their wheels), copied next to the confs.
PASTE_FILES = {
    "etc/glance/glance-api-paste.ini": "etc/glance/glance-api-paste.ini",
    "etc/nova/api-paste.ini": "etc/nova/api-paste.ini",
    "etc/neutron/api-paste.ini": "etc/neutron/api-paste.ini",
    "etc/cinder/api-paste.ini": "etc/cinder/api-paste.ini",
    "etc/cinder/resource_filters.json": "etc/cinder/resource_filters.json",
}
