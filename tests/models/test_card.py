"""The model card renderer keeps the hand-measured run-time section across re-renders."""

from pathlib import Path

from models.card import run_time_section


def test_the_run_time_section_is_carried_over_and_nothing_else(tmp_path: Path) -> None:
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("# Card\n\n## Evaluation\n\nold table\n\n"
                    "## Run time\n\n| int8 | 0.05 |\n\n## Limits\n\nx\n")
    assert run_time_section(card) == ["## Run time", "", "| int8 | 0.05 |", ""]


def test_a_card_without_one_or_no_card_carries_nothing(tmp_path: Path) -> None:
    card = tmp_path / "MODEL_CARD.md"
    assert run_time_section(card) == []
    card.write_text("# Card\n\n## Limits\n\nx\n")
    assert run_time_section(card) == []


def test_the_shipped_card_has_its_run_time_section() -> None:
    section = run_time_section(Path(__file__).resolve().parents[2] / "models" / "MODEL_CARD.md")
    assert section[0] == "## Run time" and any("int8" in line for line in section)
