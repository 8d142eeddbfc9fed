"""What a shown output ran on: a stamp the run writes beside the output it belongs to.

Every output a page shows (`docs/outputs/<example>.txt`, a stored notebook) has a stamp next to
it, `<name>.stamp.json`, written by the same run that wrote the output (`make outputs`, i.e.
pytest --update-outputs). It holds:

- `backend`: the kind of thing that produced the output: `docker` (a Docker engine),
  `openstack-lab` (the local lab of `lab/`), `openstack` (any other OpenStack cloud, e.g.
  DevStack) or `kubernetes-validate` (offline schema validation, no cluster);
- `facts`: versions as the backend itself reports them (the engine's `/version` and `/info`,
  the OpenStack APIs and, for the lab, the service packages installed in its venv; the
  validator's package metadata) — never typed by hand;
- `date`: the day of the run (UTC);
- `output_sha256`: the digest of the output text it belongs to, and `seal`: a digest of all
  of the above, so a stamp edited by hand, or left over from an earlier run, is detected.

The pages show `Stamp.line(lang)` under each output (tools/output_stamps.py, at build time).

When a stamp *disagrees* with the current run (`check_stamp`, used when a test compares a fresh
run with the saved output):

- It is an error when the saved stamp is missing or broken (no file, seal or output digest
  wrong: the output or the stamp was edited by hand, or only one of them was regenerated), or
  when the backend kinds differ (a Docker output saved as if from a cluster, a lab output
  compared against a DevStack run): comparing those texts would prove nothing.
- It is not an error when only versions differ (Docker 20.10 on Debian 12 and 26.1 on Debian
  13, another QEMU): if the output text still compares equal, the page stays true for that
  engine too. Those differences are returned, and the test session lists them in its summary.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = 1
BACKENDS = ("docker", "openstack-lab", "openstack", "kubernetes-validate")
STAMP_SUFFIX = ".stamp.json"

# The lab's services, as (distribution name, name on the page), in the order pages show them.
LAB_SERVICES = (("keystone", "Keystone"), ("nova", "Nova"), ("glance", "Glance"),
                ("neutron", "Neutron"), ("cinder", "Cinder"), ("swift", "Swift"),
                ("openstack-placement", "Placement"))

# Wording around the facts, per page language (the facts themselves are not translated).
WORDS = {
    "ko": {"ran_on": "실행 환경: ", "lab": "로컬 오픈스택 실습 환경", "cloud": "오픈스택 클라우드",
           "hypervisor": "하이퍼바이저", "validated": "오프라인 검증: ",
           "schema": "Kubernetes {} 스키마", "no_cluster": "클러스터 없음"},
    "en": {"ran_on": "Ran on ", "lab": "the local OpenStack lab", "cloud": "an OpenStack cloud",
           "hypervisor": "hypervisor", "validated": "Checked offline with ",
           "schema": "Kubernetes {} schema", "no_cluster": "no cluster"},
}
SEPARATOR = " · "


class StampError(Exception):
    """A stamp is missing, broken, or belongs to another output or another kind of backend."""


def today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def release(version: str) -> str:
    """The numeric release in a version string: `20.10.24+dfsg1`, `v20.10.24` -> `20.10.24`."""
    match = re.search(r"\d+(?:\.\d+)*", version)
    return match[0] if match else version.strip()


def major_minor(version: str) -> str:
    return ".".join(release(version).split(".")[:2])


@dataclass(frozen=True)
class Stamp:
    backend: str
    facts: Mapping[str, str]
    date: str = field(default_factory=today)
    output_sha256: str = ""

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise StampError(f"unknown backend {self.backend!r} (known: {', '.join(BACKENDS)})")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.date):
            raise StampError(f"date {self.date!r} is not YYYY-MM-DD")

    # --- the file ---------------------------------------------------------------------------

    def _body(self) -> dict:
        return {"schema": SCHEMA, "backend": self.backend,
                "facts": dict(sorted(self.facts.items())), "date": self.date,
                "output_sha256": self.output_sha256}

    def seal(self) -> str:
        return digest(json.dumps(self._body(), sort_keys=True, ensure_ascii=False).encode())

    def to_json(self) -> str:
        body = {**self._body(), "seal": self.seal()}
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Stamp:
        try:
            data = json.loads(text)
            stamp = cls(backend=data["backend"], facts=dict(data["facts"]), date=data["date"],
                        output_sha256=data["output_sha256"])
            schema, seal = data["schema"], data["seal"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StampError(f"not a stamp ({exc.__class__.__name__}: {exc})") from None
        if schema != SCHEMA:
            raise StampError(f"stamp schema {schema}, this code reads {SCHEMA}")
        if seal != stamp.seal():
            raise StampError("the seal does not match: the stamp was edited by hand")
        return stamp

    # --- what a page shows ------------------------------------------------------------------

    def line(self, lang: str, *, with_date: bool = True) -> str:
        """The stamp as a reader sees it under the output, in the page's language."""
        words = WORDS[lang]
        facts = self.facts
        if self.backend == "docker":
            head, parts = words["ran_on"], docker_parts(facts)
        elif self.backend == "kubernetes-validate":
            head = words["validated"]
            parts = [f"kubernetes-validate {facts['kubernetes_validate']}",
                     words["schema"].format(facts["schema"]), words["no_cluster"]]
        else:
            head = words["ran_on"]
            where = words["lab" if self.backend == "openstack-lab" else "cloud"]
            services = [f"{name} {facts[key]}" for key, name in LAB_SERVICES if key in facts]
            parts = [f"{where} ({', '.join(services)})" if services else where]
            if "compute_api" in facts:
                parts.append(f"compute API {facts['compute_api']}")
            if "hypervisor" in facts:
                parts.append(f"{words['hypervisor']} {facts['hypervisor']}")
        if with_date:
            parts.append(self.date)
        return head + SEPARATOR.join(parts)

    # --- against a run ----------------------------------------------------------------------

    def differences(self, current: Stamp) -> list[str]:
        """Facts that differ from the current run's, one `name: saved -> now` line each."""
        names = sorted(set(self.facts) | set(current.facts))
        return [f"{name}: {self.facts.get(name, '-')} -> {current.facts.get(name, '-')}"
                for name in names if self.facts.get(name) != current.facts.get(name)]


def docker_parts(facts: Mapping[str, str]) -> list[str]:
    """Docker facts as shown (the start-latency notebooks print the same, from the same API)."""
    parts = [f"Docker Engine {release(facts['engine'])}", f"API {facts['api']}"]
    if facts.get("containerd"):
        parts.append(f"containerd {release(facts['containerd'])}")
    if facts.get("cgroup"):
        parts.append(f"cgroup v{facts['cgroup']}")
    if facts.get("kernel"):
        parts.append(f"Linux {major_minor(facts['kernel'])}")
    if facts.get("image_store") == "containerd":
        parts.append(f"containerd image store ({facts['storage']})")
    elif facts.get("storage"):
        parts.append(facts["storage"])
    return parts


# --- stamps beside outputs ------------------------------------------------------------------

def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stamp_path(output: Path) -> Path:
    """`docs/outputs/docker/x.txt` -> `x.stamp.json`; `a.en.ipynb` -> `a.en.stamp.json`."""
    return output.with_suffix(STAMP_SUFFIX)


def output_digest(output: Path) -> str:
    """The digest of what a page shows from `output`: the text, or a notebook's cell outputs."""
    data = output.read_bytes()
    if output.suffix == ".ipynb":
        cells = json.loads(data).get("cells", [])
        outputs = [cell.get("outputs", []) for cell in cells if cell.get("cell_type") == "code"]
        data = json.dumps(outputs, sort_keys=True, ensure_ascii=False).encode()
    return digest(data)


def has_stored_outputs(notebook: Path) -> bool:
    """True for a notebook kept with the outputs of its last run (not executed at build time)."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    return any(cell.get("outputs") for cell in cells if cell.get("cell_type") == "code")


def write_stamp(output: Path, stamp: Stamp) -> Path:
    """Seal `stamp` to `output` as it is now and write it beside it."""
    sealed = Stamp(stamp.backend, stamp.facts, stamp.date, output_digest(output))
    path = stamp_path(output)
    path.write_text(sealed.to_json(), encoding="utf-8")
    return path


def read_stamp(output: Path) -> Stamp:
    """The stamp of `output`, checked against it; StampError says what is wrong."""
    path = stamp_path(output)
    if not path.is_file():
        raise StampError(f"{output.name} has no stamp ({path.name}): run `make outputs`")
    stamp = Stamp.from_json(path.read_text(encoding="utf-8"))
    if output.is_file() and stamp.output_sha256 != output_digest(output):
        raise StampError(f"{path.name} was written for another version of {output.name} "
                         "(edited by hand, or only one of them regenerated): run `make outputs`")
    return stamp


def check_stamp(output: Path, current: Stamp) -> list[str]:
    """Check the saved stamp against this run (see the module docstring): raise StampError for
    a missing or broken stamp or another kind of backend; return the facts that differ."""
    saved = read_stamp(output)
    if saved.backend != current.backend:
        raise StampError(f"{output.name} was saved from a {saved.backend} run and this run is "
                         f"{current.backend}: the comparison would compare different backends")
    return saved.differences(current)


# --- probes: one per backend, each reading the backend's own report -------------------------

def docker_stamp(client) -> Stamp:
    """From the engine's `/version` and `/info` (docker SDK client)."""
    version, info = client.version(), client.info()
    components = {c.get("Name"): c.get("Version", "") for c in version.get("Components") or []}
    driver_status = {str(k): str(v) for k, v in info.get("DriverStatus") or []}
    snapshotter = driver_status.get("driver-type", "").startswith("io.containerd.snapshotter")
    facts = {
        "engine": version["Version"],
        "api": version["ApiVersion"],
        "containerd": components.get("containerd", ""),
        "cgroup": str(info.get("CgroupVersion") or ""),
        "kernel": release(version.get("KernelVersion", "")),
        "os": version.get("Os", ""),
        "storage": info.get("Driver", ""),
        "image_store": "containerd" if snapshotter else "graphdriver",
    }
    return Stamp("docker", {k: v for k, v in facts.items() if v})


def kubernetes_validate_stamp(schema_version: str) -> Stamp:
    """The validator's installed version and the schema the report was validated against."""
    from importlib.metadata import version

    return Stamp("kubernetes-validate", {"kubernetes_validate": version("kubernetes-validate"),
                                         "schema": schema_version})


def hypervisor_version(value) -> str:
    """Nova's integer hypervisor_version back to dotted form (oslo's convert_version_to_str):
    each driver reports `convert_version_to_int(...)`, 1000 per component (8002002 -> 8.2.2)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    parts = []
    while number:
        number, part = divmod(number, 1000)
        parts.insert(0, str(part))
    return ".".join(parts) or "0"


def compute_microversion(conn) -> str:
    """The newest compute API microversion the cloud offers (version discovery)."""
    data = conn.compute.get_endpoint_data()
    high = getattr(data, "max_microversion", None)
    return ".".join(str(n) for n in high) if high else ""


def hypervisors(admin_conn) -> str:
    """`os-hypervisors` as admin: type and version of each, e.g. `QEMU 8.2.2`; empty if the
    cloud does not say (no admin rights, an old policy)."""
    from openstack.exceptions import SDKException

    try:
        found = {f"{h.hypervisor_type} {hypervisor_version(h.hypervisor_version)}"
                 for h in admin_conn.compute.hypervisors(details=True) if h.hypervisor_type}
    except SDKException:  # a cloud that refuses the admin call still gets a stamp, without this
        return ""
    return ", ".join(sorted(found))


def lab_service_versions(python: Path, services: Iterable[str] | None = None) -> dict[str, str]:
    """Versions of the lab's service packages, read by the lab venv's own interpreter."""
    services = [key for key, _ in LAB_SERVICES] if services is None else list(services)
    code = ("import importlib.metadata as m, json, sys\n"
            "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))")
    result = subprocess.run([str(python), "-c", code, *services], capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        raise StampError(f"cannot read the lab's package versions with {python}: "
                         f"{result.stderr.strip().splitlines()[-1:] or result.returncode}")
    return json.loads(result.stdout)


def openstack_stamp(conn, admin_conn=None, *, lab_python: Path | None = None) -> Stamp:
    """From the cloud's APIs (compute microversion; hypervisors as admin) and, for the local
    lab (`lab_python`: its venv's interpreter), the versions of the service packages."""
    facts = dict(lab_service_versions(lab_python)) if lab_python else {}
    facts["compute_api"] = compute_microversion(conn)
    if admin_conn is not None:
        facts["hypervisor"] = hypervisors(admin_conn)
    return Stamp("openstack-lab" if lab_python else "openstack",
                 {k: v for k, v in facts.items() if v})
