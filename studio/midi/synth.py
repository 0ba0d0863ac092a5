"""The built-in sound: a General MIDI SoundFont synth (tinysoundfont) playing what the player sends,
live to the computer's audio output or offline into samples.

`SoundFontSynth` turns mido messages (note on/off, program change, controllers, pitch bend) into
audio with Continuo's own small SoundFont (resources/sound/continuo-gm.sf3: FluidR3 Mono's piano,
electric piano, bass, strings and drum kit, made by scripts/trim_soundfont.py); channel 10 (9
here) is the drum kit, as in General MIDI. One lock guards it: the audio device's callback, the
player's thread and keys played live share it.

`SynthOutput` is an Output (studio.midi.player) on the default audio device, through PyAudio
(which tinysoundfont brings along), so `LocalSession(SynthOutput())` is a session like any other:
the transport, the jam and the live keys play through it unchanged. A message sounds one audio
buffer (about 12 ms) after it was sent, on its own sample. With no audio device, opening it
raises SynthError, one sentence. `render` plays timed messages offline, sample-accurately, for
`continuo render`; it needs no device.

Threads: the audio device's callback thread (SynthOutput) pulls samples and hands the synth what
was sent; any thread sends (stamped and queued).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

import mido
import numpy as np

from studio.core.notes import DRUM_CHANNEL
from studio.core.resources import find_resource
from studio.midi.ports import PortError

BUILT_IN = "<built-in>"  # the output choice meaning "the built-in sound"
BUILT_IN_NAME = "Built-in sound"
RATE = 44100
BUFFER_FRAMES = 512  # per audio callback: 11.6 ms at 44.1 kHz
GAIN_DB = 6.0  # the synth's own gain: one piano note peaks near -15 dBFS, ten loud ones near 0
HEADROOM = 10 ** (-1 / 20)  # render normalises its peak to -1 dBFS
SOUNDFONT = ("sound", "continuo-gm.sf3")
NO_DEVICE = "No audio device for the built-in sound"
CHOOSE = "choose a MIDI output in Transport → MIDI Output"
HEARD = frozenset({"note_on", "note_off", "program_change", "control_change", "pitchwheel"})
BANK_SELECT = (0, 32)  # ignored: the SoundFont has one bank (and the drum kit on channel 10)


class SynthError(PortError):
    """The built-in sound cannot start (no audio device, no SoundFont); str() is one sentence."""


def default_soundfont() -> Path:
    """Continuo's own SoundFont; SynthError if the installation lacks it."""
    try:
        return find_resource(*SOUNDFONT)
    except FileNotFoundError as err:
        raise SynthError(f"The built-in sound is missing its SoundFont: {err}") from None


class SoundFontSynth:
    """A General MIDI synth on a SoundFont: `send(message)` plays, `generate(frames)` hands out
    the audio (float32, frames x 2). Thread-safe."""

    def __init__(self, soundfont: str | Path | None = None, rate: int = RATE,
                 gain_db: float = GAIN_DB) -> None:
        try:
            import tinysoundfont
        except ImportError as err:  # a dependency: only a broken installation lacks it
            raise SynthError(f"The built-in sound needs the tinysoundfont package ({err}).") from None
        path = Path(soundfont) if soundfont is not None else default_soundfont()
        self.rate = rate
        self._lock = threading.Lock()
        self._synth = tinysoundfont.Synth(gain=gain_db, samplerate=rate)
        try:
            self._font = self._synth.sfload(str(path))
        except (RuntimeError, OSError) as err:
            raise SynthError(f"The built-in sound cannot read its SoundFont {path.name} ({err}).") from None
        for channel in range(16):
            self._program(channel, 0)

    def _program(self, channel: int, program: int) -> None:
        drums = channel == DRUM_CHANNEL
        try:
            self._synth.program_select(channel, self._font, 128 if drums else 0, 0 if drums else program,
                                       drums)
        except RuntimeError:  # a program the small SoundFont lacks: the piano plays it
            self._synth.program_select(channel, self._font, 0, 0)

    def preset_name(self, bank: int, program: int) -> str | None:
        """The SoundFont's name for a program (bank 128: the drum kits), None where it has none."""
        with self._lock:
            return self._synth.sfpreset_name(self._font, bank, program)

    def send(self, message: mido.Message) -> None:
        """Play one message; what a synth does not use (clock, song position, sysex) is ignored."""
        kind = message.type
        if kind not in HEARD:
            return  # without the lock: a clock's pulses never wait for the audio thread
        with self._lock:
            if kind == "note_on" and message.velocity:
                self._synth.noteon(message.channel, message.note, message.velocity)
            elif kind in ("note_on", "note_off"):
                self._synth.noteoff(message.channel, message.note)
            elif kind == "program_change":
                self._program(message.channel, message.program)
            elif kind == "control_change" and message.control not in BANK_SELECT:
                self._synth.control_change(message.channel, message.control, message.value)
            elif kind == "pitchwheel":
                self._synth.pitchbend(message.channel, message.pitch + 8192)

    def generate(self, frames: int) -> np.ndarray:
        """The next `frames` frames of audio, float32, shape (frames, 2)."""
        with self._lock:
            block = self._synth.generate(frames)
        return np.frombuffer(block, dtype=np.float32).reshape(frames, 2).copy()

    def silence(self) -> None:
        """Every voice off at once (no release)."""
        with self._lock:
            self._synth.sounds_off()


class SynthOutput:
    """The built-in sound as an Output: messages to the synth, its audio to the default device.
    SynthError (one sentence) when there is no audio device or it cannot be opened.

    Timing: each message is stamped with the time it was sent and, one audio buffer later,
    sounds on the sample that stands for that time (not merely at the next buffer), so the
    player's deadlines keep their spacing to the sample, at a constant delay of one buffer."""

    name = BUILT_IN_NAME
    virtual = False

    def __init__(self, synth: SoundFontSynth | None = None, clock: Callable[[], float] = time.perf_counter
                 ) -> None:
        self.synth = synth or SoundFontSynth()
        self._clock = clock
        self._pending: deque[tuple[float, mido.Message]] = deque()  # sent, not yet in a buffer
        self._stamp = threading.Lock()  # stamps and queues in one step: the queue stays in time order
        try:
            import pyaudio
        except ImportError:
            raise SynthError("The built-in sound needs PyAudio to reach the audio output "
                             "(pip install pyaudio).") from None
        self._continue = pyaudio.paContinue
        self._pyaudio = pyaudio.PyAudio()
        try:
            self._pyaudio.get_default_output_device_info()
        except (OSError, ValueError, RuntimeError):
            self._pyaudio.terminate()
            raise SynthError(f"{NO_DEVICE}: {CHOOSE}.") from None
        try:
            self._stream = self._pyaudio.open(
                format=pyaudio.paFloat32, channels=2, rate=self.synth.rate, output=True,
                frames_per_buffer=BUFFER_FRAMES, stream_callback=self._fill)
        except (OSError, ValueError, RuntimeError) as err:
            self._pyaudio.terminate()
            raise SynthError(f"The audio output would not open for the built-in sound ({_reason(err)}): "
                             f"{CHOOSE}.") from None

    def _fill(self, _in, frames: int, _time, _status) -> tuple[bytes, int]:
        """On the audio device's thread: the next buffer, which stands for the last `frames` of
        time; each message sent in it sounds on its own sample. Softly limited below full scale."""
        now = self._clock()
        first = now - frames / self.synth.rate  # the time this buffer's first frame stands for
        blocks, done = [], 0
        while self._pending and self._pending[0][0] <= now:
            sent, message = self._pending.popleft()
            at = min(frames, max(done, round((sent - first) * self.synth.rate)))
            if at > done:
                blocks.append(self.synth.generate(at - done))
                done = at
            self.synth.send(message)
        if done < frames:
            blocks.append(self.synth.generate(frames - done))
        audio = np.tanh(np.concatenate(blocks) if len(blocks) > 1 else blocks[0])
        return audio.tobytes(), self._continue

    def send(self, message: mido.Message) -> None:
        with self._stamp:
            self._pending.append((self._clock(), message))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.stop_stream()
            self._stream.close()
        self._pyaudio.terminate()
        self._pending.clear()
        self.synth.silence()


def _reason(err: Exception) -> str:
    """PyAudio's words, without its error number: 'no default output device'."""
    text = str(err).strip()
    if text.startswith("[Errno"):
        text = text.split("]", 1)[-1].strip()
    return text[:1].lower() + text[1:].rstrip(".")


def render(events: Iterable[tuple[float, mido.Message]], rate: int = RATE, tail_s: float = 2.0,
           soundfont: str | Path | None = None, gain_db: float = GAIN_DB) -> np.ndarray:
    """Timed messages (seconds, message; in time order) played offline, each on its own sample:
    float32 audio, shape (frames, 2), until `tail_s` after the last message (less once the
    sound has died away), its peak normalised to -1 dBFS (silence stays silence)."""
    synth = SoundFontSynth(soundfont, rate, gain_db)
    blocks: list[np.ndarray] = []
    done = 0
    for seconds, message in events:
        due = round(max(0.0, seconds) * rate)
        if due > done:
            blocks.append(synth.generate(due - done))
            done = due
        synth.send(message)
    tail = synth.generate(round(tail_s * rate))
    loud = np.flatnonzero(np.abs(tail).max(axis=1) > 1e-4)
    blocks.append(tail[: loud[-1] + 1 + rate // 20] if loud.size else tail[: rate // 20])
    audio = np.concatenate(blocks) if blocks else np.zeros((0, 2), np.float32)
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 0:
        audio *= HEADROOM / peak
    return audio


def wav_bytes(audio: np.ndarray, rate: int = RATE) -> bytes:
    """Stereo float audio as a 16-bit PCM WAV file's bytes (clipped to full scale first)."""
    import io
    import wave

    pcm = np.round(np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()
