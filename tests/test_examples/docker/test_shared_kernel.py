"""examples/docker/shared_kernel.py: containers report the host's kernel, whatever the image."""

from __future__ import annotations

import platform

import pytest

from tests.support import load_example

pytestmark = pytest.mark.docker
EXAMPLE = "docker/shared_kernel.py"
VOLATILE = [
    (r"kernel release \S+", "kernel release <kernel>"),
    (r"(user space \S+ )v?[\d.]+", r"\1<version>"),
]


@pytest.fixture
def ex(docker_client):
    module = load_example(EXAMPLE)
    yield module
    module.cleanup(docker_client)


@pytest.mark.parametrize("image", ["busybox", "python:3.11-slim"])
def test_kernel_inside_is_the_hosts(docker_client, ex, image):
    kernel, userland = ex.run_probe(docker_client, image, ex.PROBES[image])
    assert kernel == platform.release()
    assert userland.split()[0] in {"BusyBox", "Python"}


def test_images_and_engine_are_linux_only(docker_client, ex):
    assert docker_client.info()["OSType"] == "linux"
    assert {ex.image_os(docker_client, image) for image in ex.PROBES} == {"linux"}


def test_output_matches_the_page_and_nothing_is_left(check_output, labelled):
    out = check_output(EXAMPLE, extra=VOLATILE)
    assert out.count("(same kernel as the host)") == 2
    assert labelled("docker/shared_kernel") == []


def test_no_engine_is_one_line_on_stderr(no_engine):
    no_engine(EXAMPLE)


def test_the_engine_stopping_midway_is_one_line_naming_the_leftovers(engine_severed):
    engine_severed(EXAMPLE, "docker/shared_kernel")
