"""examples/docker/image_portability.py: save -> remove -> load gives back the same image id."""

from __future__ import annotations

import pytest
from docker.errors import ImageNotFound

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/image_portability.py"
VOLATILE = [
    (r"\d+ layers", "<n> layers"),
    # The engine's image store decides what the id is (see image_store, config_digest).
    (r"engine image store: .*", "engine image store: <store>; the id is <digest kind>"),
]


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


def test_save_remove_load_round_trip_keeps_the_id(docker_client, ex, tmp_path):
    built = ex.build_image(docker_client)
    assert ex.LABELS.items() <= built.labels.items()
    archive = tmp_path / "image.tar"
    entry = ex.save_image(built, archive)
    assert len(entry["Layers"]) >= 2  # busybox's layer(s) plus the RUN step
    if ex.image_store(docker_client.info()).startswith("classic"):
        assert built.id == ex.config_digest(entry)
    assert ex.remove_image(docker_client, built.id)
    with pytest.raises(ImageNotFound):
        docker_client.images.get(ex.TAG)
    loaded = ex.load_image(docker_client, archive)
    assert loaded.id == built.id
    assert ex.TAG in loaded.tags
    assert ex.run_image(docker_client, loaded) == "built once, runs wherever it is loaded"


def test_config_digest_from_either_archive_layout():
    ex = load_example(EXAMPLE)
    digest = "a21264a75f6024f60c4bc16c720b116cdb904e57145333c78126bd325915f0ea"
    classic = {"Config": f"{digest}.json", "Layers": [f"{digest[:8]}/layer.tar"]}
    oci = {"Config": f"blobs/sha256/{digest}", "Layers": [f"blobs/sha256/{digest[::-1]}"]}
    assert ex.config_digest(classic) == ex.config_digest(oci) == f"sha256:{digest}"


def test_image_store_from_docker_info():
    ex = load_example(EXAMPLE)
    containerd = {"Driver": "overlayfs",
                  "DriverStatus": [["driver-type", "io.containerd.snapshotter.v1"]]}
    classic = {"Driver": "overlay2",
               "DriverStatus": [["Backing Filesystem", "extfs"], ["Supports d_type", "true"]]}
    assert ex.image_store(containerd) == "containerd image store (overlayfs)"
    assert ex.image_store(classic) == "classic store (overlay2)"
    assert ex.image_store({"Driver": "vfs", "DriverStatus": None}) == "classic store (vfs)"


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert "same image id: True\n" in out
    assert "engine image store: " in out
    assert labelled("docker/image_portability") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/image_portability")
