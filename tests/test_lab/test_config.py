"""The lab's generated configuration: right sections and values, loopback only."""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from lab import config
from lab.layout import PORTS, REGION, Layout
from lab.services import all_services

pytestmark = pytest.mark.lab

PLUGINS = Path(config.__file__).parent / "plugins"
SECRETS = {name: f"pw-{name}-0123456789" for name in config.SECRET_NAMES}


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "state")


@pytest.fixture
def files(layout: Layout) -> dict[Path, str]:
    return config.render(layout, SECRETS)


def parse(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keep keys as written
    parser.read_string(text)
    return parser


def ini_files(files: dict[Path, str]) -> dict[Path, configparser.ConfigParser]:
    # RabbitMQ's and libvirt's files are not ini files (key = value without sections)
    return {p: parse(t) for p, t in files.items() if p.suffix in {".conf", ".ini"}
            and "rabbitmq" not in p.parts and "libvirt" not in p.parts}


def test_every_service_gets_its_files(files):
    names = {str(p) for p in files}
    for expected in ("etc/keystone/keystone.conf", "etc/glance/glance-api.conf",
                     "etc/placement/placement.conf", "etc/nova/nova.conf",
                     "etc/neutron/neutron.conf", "etc/neutron/plugins/ml2/ml2_conf.ini",
                     "etc/cinder/cinder.conf", "etc/swift/swift.conf",
                     "etc/swift/proxy-server.conf", "etc/swift/object-server.conf",
                     "etc/swift/container-server.conf", "etc/swift/account-server.conf",
                     "etc/rabbitmq/rabbitmq.conf", "clouds.yaml"):
        assert expected in names
    assert all(not p.is_absolute() and ".." not in p.parts for p in files)


def test_ini_files_parse_without_duplicates(files):
    # strict=True raises on a duplicate section or key
    assert len(ini_files(files)) == 12


def test_only_loopback_addresses(files):
    for path, text in files.items():
        for address in re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", text):
            assert address == "127.0.0.1", f"{path}: {address}"
        for host in re.findall(r"[a-z]+://(?:[^@/\s]+@)?([^:/\s]+)", text):
            assert host == "127.0.0.1", f"{path}: URL host {host}"
        assert "0.0.0.0" not in text
        if path != Path("libvirt/hosts"):  # /etc/hosts inside libvirtd's namespace names it
            assert "localhost" not in text


def test_paths_stay_in_the_state_folder(files, layout):
    for path, parser in ini_files(files).items():
        for section in parser.sections():
            for key, value in parser[section].items():
                for word in value.replace("sqlite:///", "").replace("file://", "").split():
                    if word.startswith("/"):
                        assert Path(word).is_relative_to(layout.state), f"{path} {key}={word}"


def test_databases_are_sqlite_files_in_data(files, layout):
    confs = ini_files(files)
    urls = [confs[Path("etc/keystone/keystone.conf")]["database"]["connection"],
            confs[Path("etc/glance/glance-api.conf")]["database"]["connection"],
            confs[Path("etc/placement/placement.conf")]["placement_database"]["connection"],
            confs[Path("etc/nova/nova.conf")]["api_database"]["connection"],
            confs[Path("etc/nova/nova.conf")]["database"]["connection"],
            confs[Path("etc/neutron/neutron.conf")]["database"]["connection"],
            confs[Path("etc/cinder/cinder.conf")]["database"]["connection"]]
    assert len(set(urls)) == len(urls)
    for url in urls:
        assert url.startswith(f"sqlite:///{layout.data}/") and url.endswith(".sqlite")


def test_keystone_uses_fernet_and_memcached(files):
    conf = ini_files(files)[Path("etc/keystone/keystone.conf")]
    assert conf["token"]["provider"] == "fernet"
    assert conf["cache"]["enabled"] == "true"
    assert conf["cache"]["memcache_servers"] == f"127.0.0.1:{PORTS['memcached']}"


def test_services_authenticate_as_their_own_users(files):
    confs = ini_files(files)
    for name in ("glance", "nova", "neutron", "cinder", "placement"):
        conf = next(c for p, c in confs.items() if p.name == f"{name}.conf"
                    or p.name == f"{name}-api.conf")
        auth = conf["keystone_authtoken"]
        assert auth["username"] == name and auth["password"] == SECRETS[name]
        assert auth["project_name"] == "service" and auth["region_name"] == REGION
        assert auth["memcached_servers"] == f"127.0.0.1:{PORTS['memcached']}"


def test_glance_file_store_and_reserved_stores(files, layout):
    conf = ini_files(files)[Path("etc/glance/glance-api.conf")]
    assert conf["DEFAULT"]["enabled_backends"] == "fs:file"
    assert conf["DEFAULT"]["worker_self_reference_url"] == f"http://127.0.0.1:{PORTS['glance']}"
    for store in ("fs", "os_glance_staging_store", "os_glance_tasks_store"):
        assert Path(conf[store]["filesystem_store_datadir"]).is_relative_to(layout.data)


def test_nova_libvirt_driver_and_message_bus(files, layout):
    conf = ini_files(files)[Path("etc/nova/nova.conf")]
    assert conf["DEFAULT"]["compute_driver"] == "libvirt.LibvirtDriver"
    assert conf["libvirt"]["virt_type"] == "qemu" and conf["libvirt"]["cpu_mode"] == "none"
    # the lab's own libvirtd, over its unix socket: nothing listens on TCP
    socket = conf["libvirt"]["connection_uri"].removeprefix("qemu:///system?socket=")
    assert Path(socket).is_relative_to(layout.state)
    assert conf["DEFAULT"]["force_config_drive"] == "true"
    for section in ("nova_sys_admin", "privsep_osbrick"):
        assert conf[section]["helper_command"].split()[0].endswith("/venv/bin/privsep-helper")
    assert conf["DEFAULT"]["transport_url"] == (
        f"rabbit://cloudnotes:{SECRETS['rabbit']}@127.0.0.1:{PORTS['rabbitmq']}/")
    assert conf["service_user"]["send_service_user_token"] == "true"
    assert Path(conf["wsgi"]["api_paste_config"]).name == "api-paste.ini"


def test_neutron_ml2_loads_the_lab_driver_by_its_entry_point(files):
    confs = ini_files(files)
    neutron = confs[Path("etc/neutron/neutron.conf")]
    ml2 = confs[Path("etc/neutron/plugins/ml2/ml2_conf.ini")]
    assert neutron["DEFAULT"]["core_plugin"] == "ml2"
    assert "router" in neutron["DEFAULT"]["service_plugins"].split(",")
    driver = ml2["ml2"]["mechanism_drivers"]
    project = tomllib.loads((PLUGINS / "pyproject.toml").read_text())["project"]
    entry_points = project["entry-points"]["neutron.ml2.mechanism_drivers"]
    assert driver in entry_points
    module, cls = entry_points[driver].split(":")
    assert _defines_class(module, cls)
    assert ml2["ml2_type_flat"]["flat_networks"] == "public"


def test_cinder_uses_the_lab_driver_class(files, layout):
    conf = ini_files(files)[Path("etc/cinder/cinder.conf")]
    assert conf["DEFAULT"]["enabled_backends"] == "lab"
    module, _, cls = conf["lab"]["volume_driver"].rpartition(".")
    assert _defines_class(module, cls)
    assert Path(conf["lab"]["lab_volumes_dir"]).is_relative_to(layout.data)
    helper = conf["cinder_sys_admin"]["helper_command"].split()
    assert helper[0] == str(layout.bin / "privsep-helper")


def test_swift_proxy_pipeline(files, layout):
    conf = ini_files(files)[Path("etc/swift/proxy-server.conf")]
    pipeline = conf["pipeline:main"]["pipeline"].split()
    assert pipeline[-1] == "proxy-server"
    assert pipeline.index("tempurl") < pipeline.index("authtoken") < pipeline.index(
        "keystoneauth")
    assert "healthcheck" in pipeline
    for name in set(pipeline) - {"proxy-server"}:
        assert conf.has_section(f"filter:{name}"), name
    assert conf["filter:authtoken"]["delay_auth_decision"] == "true"
    assert conf["filter:keystoneauth"]["reseller_admin_role"] == "ResellerAdmin"
    assert conf["DEFAULT"]["bind_ip"] == "127.0.0.1"
    assert conf["DEFAULT"]["swift_dir"] == str(layout.etc / "swift")


@pytest.mark.parametrize("kind", ["account", "container", "object"])
def test_swift_storage_servers(files, layout, kind):
    conf = ini_files(files)[Path(f"etc/swift/{kind}-server.conf")]
    default = conf["DEFAULT"]
    assert default["bind_port"] == str(PORTS[f"swift-{kind}"])
    assert default["mount_check"] == "false" and default["workers"] == "0"
    assert default["swift_dir"] == str(layout.etc / "swift")
    assert conf["pipeline:main"]["pipeline"].split()[-1] == f"{kind}-server"


def test_swift_hash_comes_from_the_secrets(files):
    conf = ini_files(files)[Path("etc/swift/swift.conf")]
    assert conf["swift-hash"]["swift_hash_path_suffix"] == SECRETS["swift_hash_suffix"]
    assert conf["storage-policy:0"]["default"] == "yes"


def test_rabbitmq_listens_on_loopback_with_its_own_user(files):
    text = files[Path("etc/rabbitmq/rabbitmq.conf")]
    assert f"listeners.tcp.1 = 127.0.0.1:{PORTS['rabbitmq']}" in text.splitlines()
    assert f"default_pass = {SECRETS['rabbit']}" in text.splitlines()


def test_clouds_yaml_has_devstacks_clouds(files):
    clouds = yaml.safe_load(files[Path("clouds.yaml")])["clouds"]
    expected = {"devstack": ("demo", "demo"), "devstack-admin": ("admin", "admin"),
                "devstack-alt-demo": ("alt_demo", "alt_demo"),
                "devstack-alt": ("alt_demo", "alt_demo")}
    for cloud, (user, project) in expected.items():
        auth = clouds[cloud]["auth"]
        assert (auth["username"], auth["project_name"]) == (user, project)
        assert auth["password"] == SECRETS[user]
        assert auth["auth_url"] == f"http://127.0.0.1:{PORTS['keystone']}/v3"
        assert clouds[cloud]["region_name"] == "RegionOne"
    assert clouds["devstack-system-admin"]["auth"]["system_scope"] == "all"


def test_new_secrets_are_random_and_complete():
    first, second = config.new_secrets(), config.new_secrets()
    assert set(first) == set(config.SECRET_NAMES)
    assert all(len(v) >= 24 for v in first.values())
    assert not set(first.values()) & set(second.values())


def test_services_bind_loopback_with_devstacks_uwsgi_flags(layout):
    services = all_services(layout)
    ports = [p for p in PORTS.values()]
    assert len(ports) == len(set(ports))
    apis = {n: s for n, s in services.items() if "uwsgi" in s.argv[0]}
    assert set(apis) == {"keystone", "glance", "placement", "nova-api", "neutron-api",
                         "cinder-api", "horizon"}
    for name, service in apis.items():
        argv = service.argv
        socket = argv[argv.index("--http-socket") + 1]
        assert socket.startswith("127.0.0.1:")
        assert argv[argv.index("--add-header") + 1] == "Connection: close"
        for flag in ("--master", "--lazy-apps", "--need-app", "--die-on-term"):
            assert flag in argv, (name, flag)
    glance = apis["glance"].argv
    assert {"--http-chunked-input", "--http-auto-chunked", "--http-raw-body"} <= set(glance)
    assert all(not any(p in a for a in s.argv for p in ("0.0.0.0",))
               for s in services.values())
    rabbit = services["rabbitmq"].env
    assert rabbit["ERL_EPMD_ADDRESS"] == "127.0.0.1"
    assert "{127,0,0,1}" in rabbit["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"]
    assert services["epmd"].argv[1:3] == ["-address", "127.0.0.1"]
    assert all(s.env["TMPDIR"] == str(layout.tmp) for s in services.values())


def _defines_class(module: str, cls: str) -> bool:
    """Whether lab/plugins/<module>.py defines class `cls` (checked without importing it)."""
    path = PLUGINS / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text())
    return any(isinstance(node, ast.ClassDef) and node.name == cls for node in tree.body)


def test_services_retry_sqlite_lock_collisions(layout):
    services = all_services(layout)
    assert all(s.env.get("CLOUDNOTES_LAB_SQLITE") == "retry" for name, s in services.items()
               if name != "horizon")  # Horizon keeps nothing in a database


def test_kvm_is_chosen_only_when_asked_for(layout):
    kvm = config.render(layout, SECRETS, "kvm")[Path("etc/nova/nova.conf")]
    conf = parse(kvm)
    assert conf["libvirt"]["virt_type"] == "kvm" and conf["libvirt"]["cpu_mode"] == "host-model"


def test_libvirt_files_keep_the_daemon_local(files):
    libvirtd = files[Path("libvirt/etc/libvirtd.conf")]
    assert "listen_tcp = 0" in libvirtd and "listen_tls = 0" in libvirtd
    qemu = files[Path("libvirt/etc/qemu.conf")]
    assert 'security_driver = "none"' in qemu and "cgroup_controllers = [ ]" in qemu
    assert files[Path("libvirt/hosts")].split()[:3] == ["127.0.0.1", "localhost", "cloudnotes-lab"]
