"""tools/stamps.py: the stamp file, what it says on a page, how it is checked against a run,
and each backend's probe (Docker with canned /version and /info answers, OpenStack against a
canned API on loopback, kubernetes-validate and the lab's package versions for real)."""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.test_site.canned_openstack import CannedCloud, connect, serve
from tools import outputs, stamps
from tools.stamps import Stamp, StampError

pytestmark = pytest.mark.site

DOCKER_20 = Stamp("docker", {"engine": "20.10.24+dfsg1", "api": "1.41",
                             "containerd": "1.6.20~ds1", "cgroup": "1", "kernel": "6.18.44",
                             "os": "linux", "storage": "overlay2",
                             "image_store": "graphdriver"}, "2026-12-02")
LAB = Stamp("openstack-lab", {"keystone": "30.0.0", "nova": "34.0.0", "glance": "33.0.0",
                              "neutron": "29.0.0", "cinder": "29.0.0", "swift": "2.38.3",
                              "openstack-placement": "16.0.0", "compute_api": "2.100",
                              "hypervisor": "QEMU 8.2.2"}, "2026-12-02")


# --- what a page shows ---------------------------------------------------------------------

@pytest.mark.parametrize("stamp, lang, line", [
    (DOCKER_20, "en", "Ran on Docker Engine 20.10.24 · API 1.41 · containerd 1.6.20 · cgroup v1"
                      " · Linux 6.18 · overlay2 · 2026-12-02"),
    (DOCKER_20, "ko", "실행 환경: Docker Engine 20.10.24 · API 1.41 · containerd 1.6.20 · "
                      "cgroup v1 · Linux 6.18 · overlay2 · 2026-12-02"),
    (Stamp("docker", {"engine": "29.1.2", "api": "1.52", "containerd": "v2.2.0", "cgroup": "2",
                      "kernel": "6.12.48", "storage": "overlayfs", "image_store": "containerd"},
           "2026-12-03"),
     "en", "Ran on Docker Engine 29.1.2 · API 1.52 · containerd 2.2.0 · cgroup v2 · Linux 6.12 · "
           "containerd image store (overlayfs) · 2026-12-03"),
    (LAB, "en", "Ran on the local OpenStack lab (Keystone 30.0.0, Nova 34.0.0, Glance 33.0.0, "
                "Neutron 29.0.0, Cinder 29.0.0, Swift 2.38.3, Placement 16.0.0) · compute API "
                "2.100 · hypervisor QEMU 8.2.2 · 2026-12-02"),
    (LAB, "ko", "실행 환경: 로컬 오픈스택 실습 환경 (Keystone 30.0.0, Nova 34.0.0, Glance 33.0.0, "
                "Neutron 29.0.0, Cinder 29.0.0, Swift 2.38.3, Placement 16.0.0) · compute API "
                "2.100 · 하이퍼바이저 QEMU 8.2.2 · 2026-12-02"),
    (Stamp("openstack", {"compute_api": "2.96"}, "2026-12-02"), "en",
     "Ran on an OpenStack cloud · compute API 2.96 · 2026-12-02"),
    (Stamp("kubernetes-validate", {"kubernetes_validate": "1.37.0", "schema": "1.37.0"},
           "2026-12-02"), "en",
     "Checked offline with kubernetes-validate 1.37.0 · Kubernetes 1.37.0 schema · no cluster · "
     "2026-12-02"),
    (Stamp("kubernetes-validate", {"kubernetes_validate": "1.37.0", "schema": "1.37.0"},
           "2026-12-02"), "ko",
     "오프라인 검증: kubernetes-validate 1.37.0 · Kubernetes 1.37.0 스키마 · 클러스터 없음 · "
     "2026-12-02"),
])
def test_line_in_each_language(stamp: Stamp, lang: str, line: str) -> None:
    assert stamp.line(lang) == line
    assert stamp.line(lang, with_date=False) == line.removesuffix(" · " + stamp.date)


def test_unknown_backend_or_bad_date_is_refused() -> None:
    with pytest.raises(StampError, match="unknown backend"):
        Stamp("cluster", {})
    with pytest.raises(StampError, match="YYYY-MM-DD"):
        Stamp("docker", {}, "2 Dec 2026")


# --- the file beside the output --------------------------------------------------------------

def test_written_stamp_reads_back_and_belongs_to_its_output(tmp_path: Path) -> None:
    output = tmp_path / "x.txt"
    output.write_text("hello\n")
    path = stamps.write_stamp(output, DOCKER_20)
    assert path == tmp_path / "x.stamp.json"
    saved = stamps.read_stamp(output)
    assert saved.facts == DOCKER_20.facts and saved.date == DOCKER_20.date
    assert saved.output_sha256 == stamps.digest(b"hello\n")


@pytest.mark.parametrize("tamper, message", [
    (lambda out, st: out.write_text("hello, edited\n"), "written for another version of x.txt"),
    (lambda out, st: st.write_text(st.read_text().replace("20.10.24", "29.1.2")),
     "edited by hand"),
    (lambda out, st: st.write_text(st.read_text().replace('"2026-12-02"', '"2027-01-01"')),
     "edited by hand"),
    (lambda out, st: st.unlink(), "has no stamp"),
    (lambda out, st: st.write_text("{}"), "not a stamp"),
])
def test_a_tampered_or_missing_stamp_is_an_error(tmp_path: Path, tamper, message) -> None:
    output = tmp_path / "x.txt"
    output.write_text("hello\n")
    tamper(output, stamps.write_stamp(output, DOCKER_20))
    with pytest.raises(StampError, match=message):
        stamps.read_stamp(output)


def test_a_notebook_stamp_covers_its_outputs_not_its_metadata(tmp_path: Path) -> None:
    nb = {"cells": [{"cell_type": "code", "metadata": {"execution": {"t": "1"}}, "source": "x",
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.en.ipynb"
    path.write_text(json.dumps(nb))
    assert stamps.has_stored_outputs(path)
    assert stamps.write_stamp(path, LAB) == tmp_path / "nb.en.stamp.json"
    nb["cells"][0]["metadata"]["execution"]["t"] = "2"  # a re-save, same outputs
    path.write_text(json.dumps(nb, indent=1))
    stamps.read_stamp(path)
    nb["cells"][0]["outputs"][0]["text"] = "2\n"
    path.write_text(json.dumps(nb))
    with pytest.raises(StampError, match="another version"):
        stamps.read_stamp(path)


# --- against the current run -----------------------------------------------------------------

def test_other_versions_are_reported_not_failed(tmp_path: Path) -> None:
    output = tmp_path / "x.txt"
    output.write_text("hello\n")
    stamps.write_stamp(output, DOCKER_20)
    debian_13 = Stamp("docker", {**DOCKER_20.facts, "engine": "26.1.5+dfsg1", "api": "1.45",
                                 "cgroup": "2"})
    assert stamps.check_stamp(output, debian_13) == [
        "api: 1.41 -> 1.45", "cgroup: 1 -> 2", "engine: 20.10.24+dfsg1 -> 26.1.5+dfsg1"]
    assert stamps.check_stamp(output, Stamp("docker", DOCKER_20.facts)) == []


@pytest.mark.parametrize("current", [
    Stamp("kubernetes-validate", {"kubernetes_validate": "1.37.0", "schema": "1.37.0"}),
    Stamp("openstack", {"compute_api": "2.100"}),
])
def test_another_kind_of_backend_is_an_error(tmp_path: Path, current: Stamp) -> None:
    output = tmp_path / "x.txt"
    output.write_text("hello\n")
    stamps.write_stamp(output, DOCKER_20 if current.backend != "docker" else LAB)
    with pytest.raises(StampError, match="would compare different backends"):
        stamps.check_stamp(output, current)


def test_a_lab_output_compared_with_a_devstack_run_is_an_error(tmp_path: Path) -> None:
    output = tmp_path / "x.txt"
    output.write_text("hello\n")
    stamps.write_stamp(output, LAB)
    with pytest.raises(StampError, match="saved from a openstack-lab run and this run is "
                                         "openstack"):
        stamps.check_stamp(output, Stamp("openstack", {"compute_api": "2.100"}))


def test_compare_with_saved_writes_and_checks_the_stamp(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(outputs, "ROOT", tmp_path)
    monkeypatch.setattr(outputs, "OUTPUTS", tmp_path / "docs" / "outputs")
    assert outputs.compare_with_saved("a/b.py", "id 1a2b3c4d5e6f\n", stamp=DOCKER_20,
                                      update=True) == []
    saved = tmp_path / "docs/outputs/a/b.txt"
    assert stamps.read_stamp(saved).backend == "docker"
    newer = Stamp("docker", {**DOCKER_20.facts, "engine": "26.1.5"})
    # Another id normalises away; another engine version is a note, not a failure.
    assert outputs.compare_with_saved("a/b.py", "id 9f8e7d6c5b4a\n", stamp=newer) == [
        "engine: 20.10.24+dfsg1 -> 26.1.5"]
    with pytest.raises(AssertionError, match="different backends"):
        outputs.compare_with_saved("a/b.py", "id 1a2b3c4d5e6f\n", stamp=LAB)
    saved.write_text("id 1a2b3c4d5e6f (edited)\n")
    with pytest.raises(AssertionError, match=r"another version of b\.txt"):
        outputs.compare_with_saved("a/b.py", "id 1a2b3c4d5e6f (edited)\n", stamp=DOCKER_20)


# --- probes ----------------------------------------------------------------------------------

class FakeEngine:
    """The two answers the Docker probe reads, as the docker SDK returns them."""

    def __init__(self, version: dict, info: dict) -> None:
        self._version, self._info = version, info

    def version(self) -> dict:
        return self._version

    def info(self) -> dict:
        return self._info


DEBIAN_12_VERSION = {
    "Version": "20.10.24+dfsg1", "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64",
    "KernelVersion": "6.18.44-fc-v769",
    "Components": [{"Name": "Engine", "Version": "20.10.24+dfsg1"},
                   {"Name": "containerd", "Version": "1.6.20~ds1"},
                   {"Name": "runc", "Version": "1.1.5+ds1"}]}
DEBIAN_12_INFO = {"CgroupVersion": "1", "Driver": "overlay2",
                  "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]]}
DOCKER_29_VERSION = {
    "Version": "29.1.2", "ApiVersion": "1.52", "Os": "linux", "KernelVersion": "6.12.48+deb13",
    "Components": [{"Name": "Engine", "Version": "29.1.2"},
                   {"Name": "containerd", "Version": "v2.2.0"}]}
DOCKER_29_INFO = {"CgroupVersion": "2", "Driver": "overlayfs",
                  "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]}


def test_docker_probe_reads_version_and_info() -> None:
    stamp = stamps.docker_stamp(FakeEngine(DEBIAN_12_VERSION, DEBIAN_12_INFO))
    assert stamp.backend == "docker" and stamp.date == stamps.today()
    assert dict(stamp.facts) == dict(DOCKER_20.facts)
    new = stamps.docker_stamp(FakeEngine(DOCKER_29_VERSION, DOCKER_29_INFO))
    assert new.facts["image_store"] == "containerd" and new.facts["cgroup"] == "2"
    assert new.line("en", with_date=False).endswith("containerd image store (overlayfs)")


def test_kubernetes_validate_probe_reads_the_installed_package() -> None:
    stamp = stamps.kubernetes_validate_stamp("1.37.0")
    assert stamp.facts == {"kubernetes_validate": version("kubernetes-validate"),
                           "schema": "1.37.0"}


def test_lab_versions_are_read_by_the_given_interpreter() -> None:
    assert stamps.lab_service_versions(Path(sys.executable), ["docker", "pyyaml"]) == {
        "docker": version("docker"), "pyyaml": version("pyyaml")}
    with pytest.raises(StampError, match="cannot read the lab's package versions"):
        stamps.lab_service_versions(Path(sys.executable), ["cloudnotes-no-such-package"])


@pytest.mark.parametrize("value, dotted", [(8002002, "8.2.2"), (1000, "1.0"), (7, "7"),
                                           ("n/a", "n/a")])
def test_hypervisor_version_is_decoded_as_nova_encodes_it(value, dotted) -> None:
    assert stamps.hypervisor_version(value) == dotted


def test_openstack_probe_against_a_canned_api() -> None:
    with serve(CannedCloud()) as cloud:
        conn = connect(cloud)
        stamp = stamps.openstack_stamp(conn, conn)
    assert stamp.backend == "openstack"
    assert stamp.facts == {"compute_api": "2.100", "hypervisor": "QEMU 8.2.2"}


def test_openstack_probe_without_admin_rights_has_no_hypervisor() -> None:
    with serve(CannedCloud(hypervisors_forbidden=True, max_microversion="2.96")) as cloud:
        conn = connect(cloud)
        stamp = stamps.openstack_stamp(conn, conn)
    assert stamp.facts == {"compute_api": "2.96"}


def test_lab_probe_adds_the_service_packages(monkeypatch) -> None:
    # This interpreter stands in for the lab venv's, two of its packages for the services.
    monkeypatch.setattr(stamps, "LAB_SERVICES", (("docker", "Docker"), ("pyyaml", "PyYAML")))
    cloud = CannedCloud(hypervisors=[
        {"id": "h1", "hypervisor_hostname": "cloudnotes-lab", "hypervisor_type": "fake",
         "hypervisor_version": 1000, "state": "up", "status": "enabled"}])
    with serve(cloud):
        conn = connect(cloud)
        stamp = stamps.openstack_stamp(conn, conn, lab_python=Path(sys.executable))
    assert stamp.backend == "openstack-lab"
    assert stamp.facts == {"docker": version("docker"), "pyyaml": version("pyyaml"),
                           "compute_api": "2.100", "hypervisor": "fake 1.0"}
    assert stamp.line("en", with_date=False) == (
        f"Ran on the local OpenStack lab (Docker {version('docker')}, PyYAML {version('pyyaml')})"
        " · compute API 2.100 · hypervisor fake 1.0")
