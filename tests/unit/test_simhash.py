"""SimHash: near-duplicates are close, different texts far, values fit a signed bigint."""

from __future__ import annotations

from workers.clean.simhash import hamming, is_near_duplicate, shingles, simhash, to_signed

BASE = (
    "Казахстан и Китай договорились расширить пропускную способность пограничного перехода. "
    "Новые пути позволят принимать больше контейнерных поездов, а таможенные процедуры будут ускорены. "
    "Первые составы по обновлённой схеме должны пройти через станцию уже весной."
)


def test_shingles_are_word_triples() -> None:
    assert shingles("Один два три четыре") == ["один два три", "два три четыре"]
    assert shingles("два слова") == ["два слова"]
    assert shingles("  ,. ") == []


def test_near_duplicates_are_close_and_others_far() -> None:
    edited = BASE.replace("весной", "весной следующего года")
    other = (
        "Министерство сельского хозяйства сообщило о рекордном урожае пшеницы в северных областях, "
        "аграрии собрали зерно раньше обычного срока благодаря тёплой осени."
    )
    assert hamming(simhash(BASE), simhash(BASE)) == 0
    assert hamming(simhash(BASE), simhash(edited)) <= 12
    assert hamming(simhash(BASE), simhash(other)) >= 20


def test_case_and_punctuation_do_not_matter() -> None:
    assert simhash(BASE) == simhash(BASE.upper().replace(".", " !"))


def test_signed_64_bit() -> None:
    words = BASE.split()
    values = [simhash(" ".join(words[i % 7 :: 1 + i % 5])) for i in range(50)]
    assert all(-(2**63) <= v < 2**63 for v in values)
    assert any(v < 0 for v in values) and any(v > 0 for v in values)
    assert simhash("") == 0


def test_hamming_works_on_signed_and_unsigned_forms() -> None:
    u = (1 << 64) - 1
    assert to_signed(u) == -1
    assert hamming(-1, 0) == 64
    assert hamming(to_signed(u), u) == 0
    assert hamming(0b1011, 0b0001) == 2


def test_near_duplicate_threshold() -> None:
    long_text = " ".join(f"{BASE} Абзац {i}: стороны обсудили вопрос номер {i * 7}." for i in range(8))
    edited = long_text.replace("вопрос номер 14", "вопрос номер 15")
    assert is_near_duplicate(simhash(long_text), simhash(edited))
    other = " ".join(f"Погода в Алматы: днём до {i} градусов, ночью заморозки, ветер северный." for i in range(30))
    assert not is_near_duplicate(simhash(long_text), simhash(other))
