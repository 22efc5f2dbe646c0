"""Hypothesis settings of the fuzz tests that drive a running server over HTTP."""

from hypothesis import HealthCheck, settings


def server_fuzz(examples: int) -> settings:
    """Repeatable (a fixed seed, no example database) and without a deadline: a request's time
    is the server's and the machine's, not the test's."""
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
