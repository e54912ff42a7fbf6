"""The real sound paths every audio test may ask for: an ALSA file PCM (``alsa_file``,
``alsa_probe``) and a paced dummy JACK server (``jack_server``, ``jack_probe``)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from audio_helpers import JACK_RATE, AlsaFile, Probe, child_env, write_asoundrc

_servers = itertools.count()


@pytest.fixture(name="alsa_file")
def alsa_file_fixture(tmp_path: Path) -> AlsaFile:
    home = tmp_path / "home"
    home.mkdir()
    capture = tmp_path / "cap.raw"
    write_asoundrc(home, capture)
    return AlsaFile(home, capture)


@pytest.fixture(name="alsa_probe")
def alsa_probe_fixture(alsa_file: AlsaFile, tmp_path: Path) -> Iterator[Probe]:
    probe = Probe(child_env(alsa_file.home), tmp_path)
    yield probe
    probe.close()


@pytest.fixture(name="jack_server", scope="module")
def jack_server_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A paced dummy JACK server at 16 kHz with 20 ms periods, named for this module."""
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.fail("jackd introuvable : installez jackd2 (apt-get install jackd2)")
    name = f"frappe-test-{os.getpid()}-{next(_servers)}"
    log = tmp_path_factory.mktemp("jack") / "jackd.log"
    env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", str(JACK_RATE), "-p", "320"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        waited = subprocess.run(
            ["jack_wait", "-s", name, "-w", "-t", "10"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        if waited.returncode != 0 or proc.poll() is not None:
            pytest.fail(f"jackd ne démarre pas :\n{log.read_text()}")
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(name="jack_probe")
def jack_probe_fixture(jack_server: str, tmp_path: Path) -> Iterator[Probe]:
    home = tmp_path / "jackhome"
    home.mkdir()
    probe = Probe(child_env(home, jack_server=jack_server), tmp_path)
    yield probe
    probe.close()
