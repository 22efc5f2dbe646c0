"""Settings read from the environment: a bad value stops the service at start, naming itself."""

import pytest
from pydantic import ValidationError

from app.settings import Settings


def test_sms_gateway_url_is_kept_in_its_encoded_form() -> None:
    settings = Settings(STOPLIST_SMS_GATEWAY_URL="https://user:pass@Gateway.Example.com:8443/send sms?to=x")

    assert settings.STOPLIST_SMS_GATEWAY_URL == "https://user:pass@gateway.example.com:8443/send%20sms?to=x"


@pytest.mark.parametrize("value", ["gateway.example.com/send", "ftp://gateway.example.com/", "https://", "http://[::1"])
def test_sms_gateway_url_that_is_not_http_is_refused_naming_it(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(STOPLIST_SMS_GATEWAY_URL=value)

    assert "STOPLIST_SMS_GATEWAY_URL" in str(refused.value)
    assert repr(value) in str(refused.value)


def test_retry_schedules_are_written_comma_separated() -> None:
    settings = Settings(STOPLIST_WEBHOOK_RETRY_SCHEDULE="5, 30,300", STOPLIST_OUTBOUND_RETRY_SCHEDULE="[1,2]")

    assert (settings.STOPLIST_WEBHOOK_RETRY_SCHEDULE, settings.STOPLIST_OUTBOUND_RETRY_SCHEDULE) == (
        [5, 30, 300],
        [1, 2],
    )


def test_a_password_in_a_refused_gateway_url_is_not_shown() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(STOPLIST_SMS_GATEWAY_URL="ftp://user:hunter2@gateway.example.com/")

    assert "hunter2" not in str(refused.value)
    assert "'ftp://***@gateway.example.com/'" in str(refused.value)
