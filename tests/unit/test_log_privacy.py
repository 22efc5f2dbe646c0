import pytest

from app.log_privacy import redacted, redacted_traceback


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "invalid input for query argument $1: 'max@example.com' ('str' object cannot be interpreted as an integer)",
            "invalid input for query argument $1: ... (... object cannot be interpreted as an integer)",
        ),
        ('invalid input syntax for type uuid: "0612345678"', "invalid input syntax for type uuid: ..."),
        ("Key (email)=(max@example.com) already exists.", "Key (email)=(...) already exists."),
        ("could not reach +31 6 1234 5678 today", "could not reach ... today"),
        ("connection was closed in the middle of operation", "connection was closed in the middle of operation"),
    ],
)
def test_values_in_messages_are_redacted(message: str, shown: str) -> None:
    assert redacted(message) == shown


def test_a_traceback_keeps_its_frames_and_the_chain_but_no_values() -> None:
    phone, email = "+31612345678", "max@example.com"

    def fail() -> None:
        try:
            raise ValueError(f"'{phone}' is odd")
        except ValueError as error:
            raise RuntimeError(f"while storing {email}") from error

    with pytest.raises(RuntimeError) as failed:
        fail()
    text = redacted_traceback(failed.value)

    assert text.count("Traceback (most recent call last):") == 2
    assert "in fail" in text
    assert "builtins.ValueError: ... is odd" in text
    assert text.endswith("builtins.RuntimeError: while storing ...")
    assert "31612345678" not in text and "max@example.com" not in text
