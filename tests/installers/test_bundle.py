"""The built app, not the source: PyInstaller's bundle runs `--version`, continues a real .mid
with the shipped model inside it, refuses a bad file in one sentence, renders the window
offscreen, starts its own real-time player process (the window's playback) that plays on a real
JACK port, carries only what it should (model, resources, licences; no training stack, no
unused Qt plugins, every shipped distribution in the notices), and its Linux tarball installs
for one user (menu entry, icon, command) and removes cleanly."""

from __future__ import annotations

import re
import shlex
import struct
import subprocess
import sys
import tarfile
from importlib import metadata
from pathlib import Path

import mido
import pytest

import studio
from studio.engine.harmoniser import harmony_model_path
from studio.engine.model import band_model_path, default_model_path
from studio.midi.files import read_midi_song
from tests.installers.bundle import ROOT, Bundle

pytestmark = pytest.mark.slow

SEED = ROOT / "resources" / "demo_seed.mid"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def test_version_is_the_package_version(bundle: Bundle, home: Path, tmp_path: Path) -> None:
    done = bundle.run("--version", home=home, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"continuo {studio.__version__}"


def test_continue_writes_the_seed_and_its_continuation(bundle: Bundle, home: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mid"
    done = bundle.run("continue", str(SEED), "--bars", "4", "--variations", "2", "--seed", "5",
                      "--key", "auto", "--out", str(out), home=home, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    seed = read_midi_song(SEED).clip
    seed_end = max(n.end for n in seed.notes)
    for path in (tmp_path / "out-1.mid", tmp_path / "out-2.mid"):
        clip = read_midi_song(path).clip
        assert clip.tempo == pytest.approx(seed.tempo)
        assert sorted(clip.notes)[: len(seed.notes)] == sorted(seed.notes)  # the seed kept as it was
        new = [n for n in clip.notes if n.start >= seed_end]
        assert len(new) >= 4, f"{path.name}: only {len(new)} notes after the seed"
    assert "out-1.mid:" in done.stdout and "out-2.mid:" in done.stdout


def test_a_bad_file_is_one_sentence_not_a_traceback(bundle: Bundle, home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06garbage")
    done = bundle.run("continue", str(bad), "--out", str(tmp_path / "x.mid"), home=home, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("continuo: ")
    assert not list(tmp_path.glob("x*.mid"))


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_screenshot_renders_the_window_offscreen(bundle: Bundle, home: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    out = tmp_path / "window.png"
    done = bundle.run("--screenshot", str(out), "--demo", home=home, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert png_size(out) == (1600, 1000)
    image = QImage(str(out))
    colours = {image.pixel(x, y) for x in range(0, 1600, 16) for y in range(0, 1000, 16)}
    assert len(colours) > 40, "the screenshot is (nearly) blank"


def test_the_bundle_carries_what_it_needs_and_nothing_it_does_not(bundle: Bundle) -> None:
    inside = bundle.internal
    model, band = default_model_path(), band_model_path()
    harmony = harmony_model_path(band)
    for shipped in (model, band, harmony):
        assert (inside / "models" / shipped.name).read_bytes() == shipped.read_bytes()
    assert sorted(p.name for p in (inside / "models").glob("*.onnx")) == \
        sorted([model.name, band.name, harmony.name]), "ship only the models it runs"
    for needed in ("models/MODEL_CARD.md", "models/BAND_MODEL_CARD.md", "resources/demo_seed.mid",
                   "resources/icons/continuo.svg",
                   "LICENSE", "THIRD_PARTY_NOTICES.md"):
        assert (inside / needed).is_file(), needed
    files = [p.relative_to(inside).as_posix() for p in inside.rglob("*")]
    for unwanted in ("aalink", "torch", "music21", "PyInstaller", "pytest", "Qt6Network", "QtNetwork",
                     "Qt6Qml", "Qt6Quick", "qvnc", "qeglfs", "qgtk3", "qtbase_de.qm", "libssl", "libcrypto"):
        assert not [f for f in files if unwanted in f], f"{unwanted} should not ship"
    plugins = {Path(f).name for f in files if "/plugins/platforms/" in f}
    wanted = {"linux": ("qoffscreen", "qxcb", "qwayland"), "darwin": ("qcocoa",), "win32": ("qwindows",)}
    for platform in wanted[sys.platform]:
        assert any(platform in name for name in plugins), f"no {platform} platform plugin in {plugins}"
    assert any("rtmidi" in f for f in files)


@pytest.mark.jack
def test_the_bundled_player_process_plays_on_a_jack_port(bundle: Bundle, receiver, monkeypatch) -> None:
    """The frozen app's player process: the bundle's own executable with --player-process, as
    child_command() builds it in a frozen app, opens the port and plays every note, balanced."""
    from studio.core.notes import Note
    from studio.midi.player_process import CHILD_FLAG, ProcessSession, child_command
    from tests.streams import all_notes_off, hanging

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle.executable))
    assert child_command() == [str(bundle.executable), CHILD_FLAG]
    notes = [Note(i * 120, 60 + i, 100, 90) for i in range(12)]
    session = ProcessSession(receiver.port, "jack", realtime=False)
    player = session.player()
    try:
        assert session.name == receiver.port
        player.start(notes, 960.0)
        assert player.wait(10) and player.error is None
        session.send(mido.Message("note_on", note=72, velocity=100))  # a live key
        session.send(mido.Message("note_off", note=72))
        assert receiver.wait_for(2 * len(notes) + 1 + 2)
    finally:
        session.close()
    messages = receiver.messages()
    ons = [m.note for _, m in messages if m.type == "note_on" and m.velocity]
    assert ons == [n.pitch for n in notes] + [72] and all_notes_off(messages) == [0]
    assert not hanging(messages)


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_shipped_distribution_is_in_the_notices(bundle: Bundle) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    pyz = CArchiveReader(str(bundle.executable)).open_embedded_archive("PYZ.pyz")
    top_level = {name.split(".")[0] for name in pyz.toc}
    ours = {"studio", "launch"}
    third_party = {m for m in top_level - set(sys.stdlib_module_names) - ours
                   if not m.startswith(("_pyi", "pyimod", "_sysconfigdata"))}
    assert {"PySide6", "mido", "numpy", "onnxruntime", "rtmidi"} <= third_party
    assert "aalink" not in third_party  # GPL-3: shipping it would make the whole app GPL-3
    notices = normalised((ROOT / "THIRD_PARTY_NOTICES.md").read_text(encoding="utf-8"))
    owners = metadata.packages_distributions()
    for module in sorted(third_party):
        dists = owners.get(module)
        assert dists, f"{module} ships but no installed distribution provides it"
        assert any(normalised(d) in notices for d in dists), f"{dists} ship but the notices omit them"
        for dist in dists:
            name = normalised(metadata.distribution(dist).name)
            assert any((bundle.internal / "licenses" / name).rglob("*")), f"no licence text for {name}"


@pytest.mark.skipif(sys.platform != "linux", reason="the tarball and install.sh are the Linux download")
def test_the_linux_tarball_installs_for_one_user_and_removes(bundle: Bundle, tmp_path: Path) -> None:
    tarballs = sorted(bundle.folder.parent.glob("continuo-*-linux-*.tar.gz"))
    assert tarballs, f"no tarball beside {bundle.folder}"
    with tarfile.open(tarballs[-1]) as tar:
        tar.extractall(tmp_path / "download", filter="tar")
    (unpacked,) = (tmp_path / "download").iterdir()
    home = tmp_path / "user"
    home.mkdir()
    env = {k: v for k, v in bundle.env(home / "app-data").items() if not k.startswith("XDG_")}
    env["HOME"] = str(home)
    subprocess.run(["bash", str(unpacked / "install.sh")], env=env, check=True, capture_output=True,
                   timeout=120)
    command = home / ".local" / "bin" / "continuo"
    done = subprocess.run([str(command), "--version"], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == f"continuo {studio.__version__}"
    entry = (home / ".local" / "share" / "applications" / "continuo.desktop").read_text()
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert Path(shlex.split(exec_line.removeprefix("Exec="))[0]).is_file()
    assert (home / ".local" / "share" / "icons" / "hicolor" / "512x512" / "apps" / "continuo.png").is_file()
    installed = home / ".local" / "share" / "continuo"
    subprocess.run(["bash", str(installed / "install.sh"), "--remove"], env=env, check=True,
                   capture_output=True, timeout=60)
    assert not command.exists() and not installed.exists()
