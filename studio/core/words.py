"""Words for counts in what Continuo says: "1 note", "3 notes", never "1 notes"."""

from __future__ import annotations


def plural(count: float, one: str, many: str | None = None) -> str:
    """`count` and the word for it: plural("note", ...) as "1 note" or "3 notes"; a count
    that is not whole is shown as it is ("1.5 beats")."""
    word = one if count == 1 else (many or one + "s")
    shown = str(int(count)) if float(count).is_integer() else f"{count:g}"
    return f"{shown} {word}"
