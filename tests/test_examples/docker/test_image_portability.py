"""examples/docker/image_portability.py: save -> remove -> load gives back the same image id."""

from __future__ import annotations

import pytest
from docker.errors import ImageNotFound

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/image_portability.py"
VOLATILE = [(r"\d+ layers", "<n> layers")]


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


def test_save_remove_load_round_trip_keeps_the_id(docker_client, ex, tmp_path):
    built = ex.build_image(docker_client)
    assert ex.LABELS.items() <= built.labels.items()
    archive = tmp_path / "image.tar"
    layers = ex.save_image(built, archive)
    assert len(layers) >= 2  # busybox's layer(s) plus the RUN step
    assert ex.remove_image(docker_client, built.id)
    with pytest.raises(ImageNotFound):
        docker_client.images.get(ex.TAG)
    loaded = ex.load_image(docker_client, archive)
    assert loaded.id == built.id
    assert ex.TAG in loaded.tags
    assert ex.run_image(docker_client, loaded) == "built once, runs wherever it is loaded"


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert "same image id: True\n" in out
    assert labelled("docker/image_portability") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)
