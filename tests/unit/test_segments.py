"""SMS parts and encodings, as handsets and gateways count them (3GPP TS 23.038 / 23.040)."""

import pytest

from app.messages.segments import Encoding, Measure, encoding_of, measure


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Measure(Encoding.GSM_7, 0, 0)),
        ("STOP", Measure(Encoding.GSM_7, 4, 1)),
        ("a" * 160, Measure(Encoding.GSM_7, 160, 1)),
        ("a" * 161, Measure(Encoding.GSM_7, 161, 2)),
        ("a" * 306, Measure(Encoding.GSM_7, 306, 2)),
        ("a" * 307, Measure(Encoding.GSM_7, 307, 3)),
        ("Ça coûte 5€", Measure(Encoding.UCS_2, 11, 1)),  # û is not GSM 03.38
        ("Ça coûte", Measure(Encoding.UCS_2, 8, 1)),
        ("Prix: 5€ {promo}", Measure(Encoding.GSM_7, 16 + 3, 1)),  # € { } count double
        ("^{}\\[~]|€", Measure(Encoding.GSM_7, 18, 1)),
        ("€" * 80, Measure(Encoding.GSM_7, 160, 1)),
        ("€" * 81, Measure(Encoding.GSM_7, 162, 2)),
        ("Zażółć gęślą jaźń", Measure(Encoding.UCS_2, 17, 1)),
        ("ж" * 70, Measure(Encoding.UCS_2, 70, 1)),
        ("ж" * 71, Measure(Encoding.UCS_2, 71, 2)),
        ("ж" * 134, Measure(Encoding.UCS_2, 134, 2)),
        ("ж" * 135, Measure(Encoding.UCS_2, 135, 3)),
        ("🙂", Measure(Encoding.UCS_2, 2, 1)),  # one emoji: two UTF-16 code units
        ("🙂" * 35, Measure(Encoding.UCS_2, 70, 1)),
        ("🙂" * 36, Measure(Encoding.UCS_2, 72, 2)),
        ("Hello\nWorld @ £1 ÄÖÜ äöü ß", Measure(Encoding.GSM_7, 26, 1)),
    ],
)
def test_texts_are_measured_as_gateways_count_them(text: str, expected: Measure) -> None:
    assert measure(text) == expected


def test_an_escaped_character_is_never_split_across_parts() -> None:
    # 152 plain septets, then €: it would straddle the first part's end (153), so it starts the
    # second, and 306 septets, two parts' worth, take three.
    assert measure("a" * 152 + "€" + "a" * 152) == Measure(Encoding.GSM_7, 306, 3)
    assert measure("a" * 151 + "€" + "a" * 153) == Measure(Encoding.GSM_7, 306, 2)


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    # 66 code units, then an emoji (2): it would straddle the first part's end (67).
    assert measure("ж" * 66 + "🙂" + "ж" * 66) == Measure(Encoding.UCS_2, 134, 3)
    assert measure("ж" * 65 + "🙂" + "ж" * 67) == Measure(Encoding.UCS_2, 134, 2)


def test_the_escape_character_itself_is_not_a_gsm_character() -> None:
    # ESC only introduces an extension character; alone in a text it cannot be sent as GSM-7.
    assert encoding_of("a\x1bb") is Encoding.UCS_2
