"""Arrange a melody for a band with the band model (models/band.onnx, studio.core.band_encoding).

The chord lane comes first, from the harmoniser (studio.engine.harmoniser: it hears the whole
melody, both ways), with what the musician typed or locked as fixed points. Then, beat by
beat, the melody's tokens are forced (it is given, never changed), the lane's chord is forced,
and the band model samples the beat's bass onsets and comping onsets under the encoding's
grammar (sub-steps strictly rising within a part). Without a harmoniser file the band model
samples the chords too, hearing the melody one beat ahead (as the band that follows live
does). A part kept while another is regenerated forces that part's tokens. The state is the model's (one
stateful step per token, the forced tokens of a beat in one call), so a whole arrangement is
a few hundred small steps, and `bars` yields it bar by bar for the first bar to sound at once.
Voicings and note lengths come from studio.engine.voicing, the drums from studio.engine.drums
(patterns). Same seed, same arrangement.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.arrangement import (
    BASS,
    CHORDS,
    DRUMS,
    Arrangement,
    BeatGrid,
    ChordSpan,
    Part,
    chord_lane,
    chords_per_beat,
    melody_beats,
    melody_notes,
)
from studio.core.band_encoding import (
    BAND_STYLES,
    BAND_VOCAB_SIZE,
    BEAT_END,
    SUBSTEPS,
    BandBeat,
    BandKind,
    band_range,
    beat_token,
    chord_token,
    decode_parts,
    header,
    melody_tokens,
    part_tokens,
    token_chord,
    token_substep,
)
from studio.core.chords import Chord
from studio.core.notes import Clip, Note
from studio.engine.drums import drum_bar
from studio.engine.harmoniser import Harmoniser, harmony_model_path
from studio.engine.model import BAND, Model
from studio.engine.sampling import choose, masked_softmax
from studio.engine.voicing import Voicer

MAX_BEATS = 4096  # 512 bars of 4/4: more than any song
HARMONY_NOISE = 0.5  # the harmoniser's noise per unit of temperature (a new take, a new lane)


class ArrangeError(ValueError):
    """A melody or request that cannot be arranged; str() is one sentence for the user."""


@dataclass
class ArrangeRequest:
    """What the musician asks for. `lane`: chords to keep (typed, or locked in the chord lane;
    the model chooses where it is silent). `keep`: an earlier arrangement to keep all of but
    what `regenerate` names: "harmony" (the chord lane where `lane` is silent), "chords" (the
    comping), "bass", "drums"."""

    parts: tuple[str, ...] = ("chords", "bass", "drums")
    style: str = "pop"
    seed: int | None = None
    temperature: float = 0.5
    top_p: float = 0.95
    lane: list[ChordSpan] | None = None
    keep: Arrangement | None = None
    regenerate: tuple[str, ...] = ()


@dataclass
class Bar:
    """One arranged bar: its beats (with the chosen chords, bass and comping) and its notes per part."""

    index: int
    beats: list[BandBeat]
    notes: dict[str, list[Note]]


def load_arranger(band_path: Path) -> Arranger:
    """The band model at a path, with the harmoniser shipped beside it when there is one
    (ModelError for a file that is damaged or made for another Continuo)."""
    harmony = harmony_model_path(band_path)
    return Arranger(Model(band_path, spec=BAND), Harmoniser(harmony) if harmony.is_file() else None)


class Arranger:
    """Arranges melodies with one band model (and the harmoniser for the lane, when given);
    thread-safe as its Model is (one call at a time per arrangement)."""

    def __init__(self, model: Model, harmoniser: Harmoniser | None = None) -> None:
        self.model = model
        self.harmoniser = harmoniser
        self._chord_mask = _mask(band_range(BandKind.CHORD))
        self._bass_lo, self._bass_hi = band_range(BandKind.BASS)
        self._comp_lo, self._comp_hi = band_range(BandKind.COMP)

    def arrange(self, melody: Clip, request: ArrangeRequest | None = None) -> Arrangement:
        """The whole arrangement of a melody (ArrangeError for an empty or drum-only one)."""
        request = request or ArrangeRequest()
        bars = list(self.bars(melody, request))
        grid = BeatGrid.of(melody.time_signature)
        beats = [beat for bar in bars for beat in bar.beats]
        parts = {}
        for name, spec in (("chords", CHORDS), ("bass", BASS), ("drums", DRUMS)):
            if name in request.parts:
                notes = [n for bar in bars for n in bar.notes.get(name, [])]
                parts[name] = Part(spec.name, spec.channel, spec.program, notes)
        if request.keep is not None:  # kept parts stay exactly as they were
            for name, part in request.keep.parts.items():
                if name in parts and name not in request.regenerate:
                    parts[name] = part
        return Arrangement(melody, chord_lane([b.chord for b in beats], grid), parts, beats)

    def bars(self, melody: Clip, request: ArrangeRequest) -> Iterator[Bar]:
        """The arrangement bar by bar, as it is sampled."""
        notes = melody_notes(melody)
        if not notes:
            raise ArrangeError("There is no melody to arrange: the clip has no pitched notes.")
        if request.style not in BAND_STYLES:
            raise ArrangeError(f"The arranger knows the styles {', '.join(BAND_STYLES[1:])}, "
                               f"not '{request.style}'.")
        grid = BeatGrid.of(melody.time_signature)
        beats = melody_beats(melody, grid)
        if len(beats) > MAX_BEATS:
            raise ArrangeError(f"The melody is {len(beats) // grid.per_bar} bars long; Continuo arranges "
                               f"up to {MAX_BEATS // grid.per_bar}.")
        fixed: list[Chord | None] = chords_per_beat(request.lane or [], len(beats), grid)
        kept = self._kept_tokens(request, len(beats))
        rng = np.random.default_rng(request.seed)
        if self.harmoniser is not None and (request.keep is None or "harmony" in request.regenerate):
            fixed = self.harmoniser.lane(beats, fixed, request.temperature * HARMONY_NOISE, rng)
        h, c = self.model.zero_state(1)
        # a style the model never heard (its token was never trained) plays as "any"
        style = request.style if request.style in self.model.trained_styles else "any"
        opening = header(style, "hear") + melody_tokens(beats[0])  # the first beat's melody comes first
        logits, _, h, c = self.model.run(np.array([[t] for t in opening]), h, c)
        voicer = Voicer()
        velocity = int(np.mean([n.velocity for n in notes]))
        bars = len(beats) // grid.per_bar
        for first in range(0, len(beats), grid.per_bar):
            bar_beats = beats[first:first + grid.per_bar]
            for i, beat in enumerate(bar_beats):
                b = first + i
                logits, h, c = self._beat(beat, b, _heard(beats, b + 1), fixed[b], kept.get(b), request, rng,
                                          logits, h, c)
            yield Bar(first // grid.per_bar, bar_beats,
                      self._notes(bar_beats, first, bars, grid, _sounding(notes, grid.tick(first),
                                                                          grid.tick(first + len(bar_beats))),
                                  voicer, request, velocity))

    # -- sampling ---------------------------------------------------------------------------
    def _feed(self, tokens: list[int], h: np.ndarray, c: np.ndarray):
        if len(tokens) == 1:  # one token: the model's batch-1 step (numpy for a float model)
            logits, _, h, c = self.model.step(np.array(tokens), h, c)
        else:
            logits, _, h, c = self.model.run(np.array([[t] for t in tokens]), h, c)
        return logits, h, c

    def _sample(self, logits: np.ndarray, mask: np.ndarray, request: ArrangeRequest,
                rng: np.random.Generator) -> int:
        p = masked_softmax(logits, mask[None], max(request.temperature, 1e-3))
        return int(choose(p, request.temperature, request.top_p, rng)[0])

    def _beat(self, beat: BandBeat, index: int, heard: list[int], chord: Chord | None,
              kept: dict[str, list[int]] | None, request: ArrangeRequest, rng: np.random.Generator,
              logits, h, c):
        """Sample the piece's `index`-th beat in place (its chord, bass and comp), `heard` being the
        melody tokens its group brings (the next beat's); the model's state after it."""
        logits, h, c = self._feed([model_beat(beat, index)] + heard, h, c)
        if chord is not None:
            chord_tok = chord_token(chord)
        elif kept is not None and "harmony" not in request.regenerate:
            chord_tok = kept["chord"][0]
        else:
            chord_tok = self._sample(logits, self._chord_mask, request, rng)
        logits, h, c = self._feed([chord_tok], h, c)
        tokens = [chord_tok]
        keep_bass = kept is not None and "bass" not in request.regenerate
        keep_comp = kept is not None and "chords" not in request.regenerate
        after = None  # the token that ended the bass: the first comping one, or the beat's end
        if keep_bass:
            logits, h, c = self._feed(kept["bass"], h, c) if kept["bass"] else (logits, h, c)
            tokens += kept["bass"]
        else:
            after, logits, h, c = self._part(self._bass_lo, self._bass_hi, (self._comp_lo, self._comp_hi),
                                             None, tokens, request, rng, logits, h, c)
        if keep_comp:
            logits, h, c = self._feed(kept["comp"], h, c) if kept["comp"] else (logits, h, c)
            tokens += kept["comp"]
        elif after != BEAT_END:
            first = after if after is not None and self._comp_lo <= after < self._comp_hi else None
            _, logits, h, c = self._part(self._comp_lo, self._comp_hi, None, first, tokens, request, rng,
                                         logits, h, c)
        logits, h, c = self._feed([BEAT_END], h, c)
        parsed = decode_parts([beat_token(beat.beats_per_bar, beat.beat)] + tokens)[0]
        beat.chord, beat.bass, beat.comp = token_chord(chord_tok), parsed.bass, parsed.comp
        return logits, h, c

    def _part(self, lo: int, hi: int, then: tuple[int, int] | None, first: int | None, tokens: list[int],
              request: ArrangeRequest, rng: np.random.Generator, logits, h, c):
        """Sample one part's onsets of a beat (tokens in [lo, hi), sub-steps rising), starting
        with `first` if given, until the model moves on: to a token in `then` or the beat's end.
        Returns that token (not fed yet) and the state."""
        span = (hi - lo) // SUBSTEPS
        last = -1
        tok = first
        while True:
            if tok is None:
                mask = np.zeros(logits.shape[-1], bool)
                mask[lo + (last + 1) * span:hi] = True
                mask[BEAT_END] = True
                if then is not None:
                    mask[then[0]:then[1]] = True
                tok = self._sample(logits, mask, request, rng)
            if not lo <= tok < hi:
                return tok, logits, h, c
            logits, h, c = self._feed([tok], h, c)
            tokens.append(tok)
            last = token_substep(tok)
            tok = None

    def _kept_tokens(self, request: ArrangeRequest, count: int) -> dict[int, dict[str, list[int]]]:
        """Per beat, the tokens of the parts kept from an earlier arrangement."""
        if request.keep is None or not request.keep.beats:
            return {}
        out = {}
        for b, beat in enumerate(request.keep.beats[:count]):
            tokens = part_tokens(beat)
            bass = [t for t in tokens if self._bass_lo <= t < self._bass_hi]
            comp = [t for t in tokens if self._comp_lo <= t < self._comp_hi]
            out[b] = {"chord": tokens[:1], "bass": bass, "comp": comp}
        return out

    # -- notes ------------------------------------------------------------------------------
    def _notes(self, beats: list[BandBeat], first: int, bars: int, grid: BeatGrid, melody: list[Note],
               voicer: Voicer, request: ArrangeRequest, velocity: int) -> dict[str, list[Note]]:
        """A bar's notes per part, from its beats' decisions."""
        out: dict[str, list[Note]] = {"chords": [], "bass": [], "drums": []}
        bar_end = grid.tick(first + len(beats))
        bass = [(grid.tick(first + i, sub), pitch) for i, b in enumerate(beats) for sub, pitch in b.bass]
        for k, (tick, pitch) in enumerate(bass):
            end = bass[k + 1][0] if k + 1 < len(bass) else bar_end
            end = min(end, tick + 2 * grid.beat_ticks)
            out["bass"].append(Note(tick, pitch, max(1, end - tick - 10), _vel(velocity, 0.9),
                                    BASS.channel))
        comp = [(grid.tick(first + i, sub), size, long, b.chord)
                for i, b in enumerate(beats) for sub, size, long in b.comp]
        for k, (tick, size, long, chord) in enumerate(comp):
            nxt = comp[k + 1][0] if k + 1 < len(comp) else bar_end
            end = min(nxt, tick + (2 * grid.beat_ticks if long else int(2 * grid.sub_ticks)))
            for pitch in voicer.voice(chord, size, _melody_at(melody, tick)):
                out["chords"].append(Note(tick, pitch, max(1, end - tick - 10), _vel(velocity, 0.75),
                                          CHORDS.channel))
        if "drums" in request.parts:
            out["drums"] = drum_bar(beats, first // grid.per_bar, bars, grid, request.style, velocity)
        return out


# Bars the model knows (POP909 has 4 and 6 beats a bar): other metres are read as pairs of bars.
_METRE_AS = {1: 4, 2: 4, 3: 6, 4: 4, 6: 6}


def model_beat(beat: BandBeat, index: int) -> int:
    """The BEAT token the model hears for a piece's `index`-th beat: 2/4 bars in pairs as 4/4,
    3/4 in pairs as 6/8's six, other metres by four."""
    per_bar = beat.beats_per_bar
    shown = _METRE_AS.get(per_bar, 4)
    if shown == per_bar:
        return beat_token(per_bar, beat.beat)
    if shown % per_bar == 0:  # bars in pairs (or fours): the bar's place in the group counts
        bar = index // per_bar
        return beat_token(shown, (bar % (shown // per_bar)) * per_bar + beat.beat)
    return beat_token(shown, index % shown)


def _heard(beats: list[BandBeat], b: int) -> list[int]:
    """The melody tokens of beat b (none past the end), as a group brings them ahead."""
    return melody_tokens(beats[b]) if b < len(beats) else []


def _vel(velocity: int, scale: float) -> int:
    return max(1, min(127, round(velocity * scale)))


def _sounding(notes: list[Note], start: int, end: int) -> list[Note]:
    """The notes (sorted by start) that sound somewhere in [start, end)."""
    return [n for n in notes[:bisect_left(notes, end, key=lambda n: n.start)] if n.end > start]


def _melody_at(melody: list[Note], tick: int) -> int | None:
    """The highest melody pitch sounding at a tick."""
    sounding = [n.pitch for n in melody if n.start <= tick < n.end]
    return max(sounding) if sounding else None


def _mask(token_range: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(BAND_VOCAB_SIZE, bool)
    mask[token_range[0]:token_range[1]] = True
    return mask
