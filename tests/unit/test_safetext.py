"""workers.safetext: controls, surrogates, direction controls and mark stacks out of text from outside."""

from __future__ import annotations

from workers.safetext import cap_marks, has_unsafe, safe_text, strip_bidi

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_direction_controls_go_and_letters_stay() -> None:
    assert strip_bidi(f"То{BIDI}каев") == "Токаев"
    assert safe_text("То\u202eкаев\u200f") == "Токаев"


def test_controls_nul_and_lone_surrogates_go_tab_and_newlines_stay() -> None:
    assert safe_text("a\x00b\x01c\x7fd\x85e\ud800f\tg\nh\ri") == "abcdef\tg\nh\ri"
    assert has_unsafe("x\x00") and has_unsafe("\ud800") and has_unsafe("\u202e") and not has_unsafe("Токаев\n")


def test_mark_stacks_are_cut_and_real_letters_keep_theirs() -> None:
    assert cap_marks("а" + "\u0301" * 50, 3) == "а" + "\u0301" * 3
    assert cap_marks("ё й Ä", 3) == "ё й Ä"
    assert cap_marks("е\u0308", 0) == "е"
    assert safe_text("e\u0301") == "é"  # NFC first: a composed letter carries no mark at all

