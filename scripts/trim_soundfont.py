"""Make Continuo's built-in SoundFont (resources/sound/continuo-gm.sf3) from Debian's FluidR3 Mono.

    apt-get install fluidr3mono-gm-soundfont
    python scripts/trim_soundfont.py [/usr/share/sounds/sf3/FluidR3Mono_GM.sf3] [OUT.sf3]

Keeps only the General MIDI programs Continuo plays (bank 0: acoustic grand piano 0, electric
piano 4, fingered bass 33, strings 48; bank 128: the standard drum kit 0, whose wood blocks 76
and 77 are the metronome), with the instruments and samples they use, and copies everything
else unchanged: the samples stay Ogg Vorbis compressed (an SF3 file), so nothing is re-encoded
and the same source always gives the same bytes. The file and its licence (MIT) are described in
THIRD_PARTY_NOTICES.md. Standard library only.

SF2/SF3 layout (SoundFont 2.04): RIFF 'sfbk' with LIST 'INFO', LIST 'sdta' (the 'smpl' sample
data; in an SF3 each sample's Ogg stream, its header's start/end being byte offsets and its loop
points relative to its start) and LIST 'pdta' (presets -> zones -> generators, whose
'instrument' generator names an instrument -> zones -> generators, whose 'sampleID' names a
sample header).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

SOURCE = Path("/usr/share/sounds/sf3/FluidR3Mono_GM.sf3")
TARGET = Path(__file__).resolve().parent.parent / "resources" / "sound" / "continuo-gm.sf3"
KEEP = {(0, 0), (0, 4), (0, 33), (0, 48), (128, 0)}  # (bank, program)
INSTRUMENT, SAMPLE_ID = 41, 53  # generator operators
VORBIS = 0x10  # an SF3 sample type flag: the sample is an Ogg Vorbis stream
NAME = b"Continuo GM (from FluidR3 Mono)"
COMMENT = (b"FluidR3 Mono GM (MIT), trimmed by Continuo's scripts/trim_soundfont.py to programs "
           b"0, 4, 33, 48 and the standard drum kit.")

PHDR, BAG, MOD, GEN, INST, SHDR = "<20sHHHIII", "<HH", "<HHhHH", "<HH", "<20sH", "<20sIIIIIBbHH"


def chunks(data: bytes, start: int, end: int) -> dict[str, bytes]:
    """The sub-chunks between start and end, by id (a LIST by its list type)."""
    found: dict[str, bytes] = {}
    while start + 8 <= end:
        cid, size = struct.unpack_from("<4sI", data, start)
        body = data[start + 8 : start + 8 + size]
        key = cid.decode("latin-1")
        if key == "LIST":
            key = body[:4].decode("latin-1")
        found[key] = body
        start += 8 + size
        if size & 1 and not data[start : start + 4].isalnum():  # the pad byte (some files omit it)
            start += 1
    return found


def records(body: bytes, fmt: str) -> list[tuple]:
    return list(struct.iter_unpack(fmt, body))


def zones(headers: list[tuple], bag_index: int, bags: list[tuple], gens: list[tuple],
          mods: list[tuple]) -> list[list[tuple[list[tuple], list[tuple]]]]:
    """For each header but the terminal one: its zones as (generators, modulators)."""
    out = []
    for here, after in zip(headers, headers[1:], strict=False):
        items = []
        for bag in range(here[bag_index], after[bag_index]):
            (g0, m0), (g1, m1) = bags[bag], bags[bag + 1]
            items.append((gens[g0:g1], mods[m0:m1]))
        out.append(items)
    return out


def chunk(cid: bytes, body: bytes) -> bytes:
    """A chunk whose size is even, padded inside (TinySoundFont reads no pad bytes)."""
    body += b"\0" * (len(body) & 1)
    return struct.pack("<4sI", cid, len(body)) + body


def listed(kind: bytes, parts: list[bytes]) -> bytes:
    return chunk(b"LIST", kind + b"".join(parts))


def pack_zones(owners: list[list[tuple[list[tuple], list[tuple]]]]) -> tuple[list[int], bytes, bytes, bytes]:
    """The bag index of each owner and the bag, modulator and generator chunks' bodies."""
    bags, mods, gens, starts = [], [], [], []
    for items in owners:
        starts.append(len(bags))
        for zone_gens, zone_mods in items:
            bags.append((len(gens), len(mods)))
            gens.extend(zone_gens)
            mods.extend(zone_mods)
    starts.append(len(bags))
    bags.append((len(gens), len(mods)))
    mods.append((0, 0, 0, 0, 0))
    gens.append((0, 0))
    return (starts, b"".join(struct.pack(BAG, *b) for b in bags),
            b"".join(struct.pack(MOD, *m) for m in mods), b"".join(struct.pack(GEN, *g) for g in gens))


def trim(source: bytes) -> bytes:
    riff, _, form = struct.unpack_from("<4sI4s", source)
    if riff != b"RIFF" or form != b"sfbk":
        raise SystemExit("not a SoundFont (RIFF sfbk)")
    top = chunks(source, 12, len(source))
    info = chunks(top["INFO"], 4, len(top["INFO"]))
    smpl = chunks(top["sdta"], 4, len(top["sdta"]))["smpl"]
    pdta = chunks(top["pdta"], 4, len(top["pdta"]))
    presets = records(pdta["phdr"], PHDR)
    instruments = records(pdta["inst"], INST)
    samples = records(pdta["shdr"], SHDR)
    preset_zones = zones(presets, 3, records(pdta["pbag"], BAG), records(pdta["pgen"], GEN),
                         records(pdta["pmod"], MOD))
    inst_zones = zones(instruments, 1, records(pdta["ibag"], BAG), records(pdta["igen"], GEN),
                       records(pdta["imod"], MOD))

    kept = [i for i, p in enumerate(presets[:-1]) if (p[2], p[1]) in KEEP]
    missing = KEEP - {(presets[i][2], presets[i][1]) for i in kept}
    if missing:
        raise SystemExit(f"the source lacks (bank, program) {sorted(missing)}")
    kept.sort(key=lambda i: (presets[i][2], presets[i][1]))
    inst_order: list[int] = []
    for i in kept:
        for gens, _ in preset_zones[i]:
            inst_order += [g[1] for g in gens if g[0] == INSTRUMENT and g[1] not in inst_order]
    sample_order: list[int] = []
    for i in inst_order:
        for gens, _ in inst_zones[i]:
            sample_order += [g[1] for g in gens if g[0] == SAMPLE_ID and g[1] not in sample_order]
    new_inst = {old: new for new, old in enumerate(inst_order)}
    new_sample = {old: new for new, old in enumerate(sample_order)}

    # sample data: each kept sample's bytes (Ogg streams here; 16-bit frames plus 46 zero frames
    # in a plain SF2), at new offsets
    data = bytearray()
    headers = []
    for old in sample_order:
        name, start, end, loop_start, loop_end, rate, pitch, correction, link, kind = samples[old]
        if kind & VORBIS:
            piece, offset = smpl[start:end], len(data)
            data += piece
            new = (offset, offset + len(piece), loop_start, loop_end)  # loops are relative in SF3
        else:
            piece, offset = smpl[2 * start : 2 * end], len(data) // 2
            data += piece + b"\0" * 92
            shift = offset - start
            new = (offset, offset + (end - start), loop_start + shift, loop_end + shift)
        if link in new_sample:
            link = new_sample[link]
        else:
            link, kind = 0, (kind & VORBIS) | 1  # its partner is gone: a mono sample
        headers.append((name, *new, rate, pitch, correction, link, kind))
    headers.append((b"EOS", 0, 0, 0, 0, 0, 0, 0, 0, 0))

    def remap(items, operator, table):
        return [([(g[0], table[g[1]]) if g[0] == operator else g for g in gens], mods)
                for gens, mods in items]

    p_owners = [remap(preset_zones[i], INSTRUMENT, new_inst) for i in kept]
    i_owners = [remap(inst_zones[i], SAMPLE_ID, new_sample) for i in inst_order]
    p_starts, pbag, pmod, pgen = pack_zones(p_owners)
    i_starts, ibag, imod, igen = pack_zones(i_owners)
    phdr = b"".join(struct.pack(PHDR, p[0], p[1], p[2], start, p[4], p[5], p[6])
                    for p, start in zip([presets[i] for i in kept], p_starts, strict=False))
    phdr += struct.pack(PHDR, b"EOP", 0, 0, p_starts[-1], 0, 0, 0)
    inst = b"".join(struct.pack(INST, instruments[i][0], start) for i, start in zip(inst_order, i_starts,
                                                                                     strict=False))
    inst += struct.pack(INST, b"EOI", i_starts[-1])
    shdr = b"".join(struct.pack(SHDR, *h) for h in headers)

    info_parts = []
    for key, body in info.items():
        if key in ("INAM", "ICMT"):
            continue
        info_parts.append(chunk(key.encode("latin-1"), body))
        if key == "isng":
            info_parts.append(chunk(b"INAM", NAME + b"\0"))
    info_parts.append(chunk(b"ICMT", COMMENT + b"\0"))
    body = (b"sfbk" + listed(b"INFO", info_parts) + listed(b"sdta", [chunk(b"smpl", bytes(data))])
            + listed(b"pdta", [chunk(b"phdr", phdr), chunk(b"pbag", pbag), chunk(b"pmod", pmod),
                               chunk(b"pgen", pgen), chunk(b"inst", inst), chunk(b"ibag", ibag),
                               chunk(b"imod", imod), chunk(b"igen", igen), chunk(b"shdr", shdr)]))
    return struct.pack("<4sI", b"RIFF", len(body)) + body


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else SOURCE
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    out = trim(source.read_bytes())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(out)
    print(f"{target}: {len(out)} bytes ({source.stat().st_size} in {source.name})")


if __name__ == "__main__":
    main(sys.argv[1:])
