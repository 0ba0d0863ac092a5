"""An arrangement streams live through a real JACK server: `continuo play` of what `continuo
arrange` wrote reaches an independent receiver with each part on its own channel (melody 1,
chords 2, bass 3, drums 10), every note ended, so a DAW records each part on its own track."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio import cli
from studio.midi.files import read_midi_song
from tests.commands.test_play_cli import continuo
from tests.jack_server import JackServer, Receiver
from tests.streams import hanging

pytestmark = pytest.mark.jack
ROOT = Path(__file__).resolve().parents[2]


def test_the_parts_arrive_on_their_channels(jack_server: JackServer, receiver: Receiver,
                                            tmp_path: Path) -> None:
    band = tmp_path / "band.mid"
    melody = ROOT / "resources" / "demo_seed.mid"
    assert cli.main(["arrange", str(melody), "--out", str(band), "--seed", "2"]) == 0
    song = read_midi_song(band)
    expected = sorted(song.clip.notes + song.drums)
    proc = continuo(jack_server, "play", str(band), "--port", receiver.name, "--tempo", "480")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert receiver.wait_for(2 * len(expected))
    got = receiver.messages()
    ons = [(m.channel, m.note) for _, m in got if m.type == "note_on" and m.velocity]
    assert sorted(ons) == sorted((n.channel, n.pitch) for n in expected)
    assert {c for c, _ in ons} == {0, 1, 2, 9}
    assert not hanging(got)
