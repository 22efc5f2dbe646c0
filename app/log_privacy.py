"""Logs carry no personal data. uvicorn's access log names each request's path with its query
string, and a GraphQL GET carries its whole document and variables there (phone numbers and
e-mail addresses included): the query string is left out of those lines."""

import logging

ACCESS_LOGGER = "uvicorn.access"


class WithoutQueryString(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn logs '%s - "%s %s HTTP/%s" %d' with (client, method, path?query, version, status).
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].partition("?")[0] + "?...", *args[3:])
        return True


def keep_personal_data_out_of_logs() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(existing, WithoutQueryString) for existing in logger.filters):
        logger.addFilter(WithoutQueryString())
