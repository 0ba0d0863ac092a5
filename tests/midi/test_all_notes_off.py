"""The one all-notes-off helper that the player, the window's panic and a restarted player
process share: which control changes, on which channels, in which order."""

from __future__ import annotations

from studio.midi.player import ALL_NOTES_OFF, ALL_SOUND_OFF, PANIC, RESET_CONTROLLERS, all_notes_off


def test_all_notes_off_covers_the_sixteen_channels_by_default() -> None:
    messages = all_notes_off()
    assert [m.channel for m in messages] == list(range(16))
    assert {(m.type, m.control, m.value) for m in messages} == {("control_change", ALL_NOTES_OFF, 0)}


def test_a_panic_sends_each_control_channel_by_channel() -> None:
    messages = all_notes_off([0, 9], controls=PANIC)
    assert [(m.channel, m.control) for m in messages] == [
        (0, ALL_NOTES_OFF), (0, ALL_SOUND_OFF), (0, RESET_CONTROLLERS),
        (9, ALL_NOTES_OFF), (9, ALL_SOUND_OFF), (9, RESET_CONTROLLERS)]
