"""The streamed exports read back as a client would, and what they are checked against: the
GraphQL query's pages, each value written as the CSV must show it."""

import csv
import io
import re
from datetime import datetime
from typing import Any

import httpx
import openpyxl

from tests.support.client import ApiClient

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


async def export(api: ApiClient, key: str | None, path: str, **params: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return await api.http.get(path, params=params, headers=headers)


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text, newline="")))


def xlsx_rows(response: httpx.Response) -> list[list[Any]]:
    """Every sheet's rows, each sheet's header row once; a formula cell fails the test."""
    assert response.status_code == 200, response.text
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows: list[list[Any]] = []
    for number, sheet in enumerate(workbook.worksheets):
        for index, row in enumerate(sheet.iter_rows()):
            assert all(cell.data_type != "f" for cell in row), [cell.value for cell in row]
            if index > 0 or number == 0:
                rows.append([cell.value for cell in row])
    return rows


def as_csv(value: Any) -> str:
    """A GraphQL value as the CSV shows it: a formula as text (an apostrophe first), booleans as
    true and false, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(("=", "+", "-", "@", "\t", "\r")) and not _E164.fullmatch(text):
        return "'" + text
    return text


def as_text(value: Any) -> str:
    """An XLSX cell as the CSV shows it (numbers and booleans are typed there)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def same_times(rows: list[list[str]], columns: list[str], times: tuple[str, ...]) -> list[list[Any]]:
    """Rows with their time columns read as datetimes, so equal moments compare equal however spelt."""
    at = [columns.index(name) for name in times]
    return [[datetime.fromisoformat(cell) if i in at and cell else cell for i, cell in enumerate(row)] for row in rows]


async def pages(api: ApiClient, key: str, query: str, variables: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """Every node of a connection, a page of 1,000 at a time."""
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.graphql(query, {**variables, "after": after}, key=key))[field]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def upload_opt_outs(api: ApiClient, key: str, account: str, body: bytes, **params: Any) -> None:
    response = await api.http.post(
        "/imports/optouts",
        params={"accountId": account, "channel": "SMS", **params},
        content=body,
        headers={"authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text


def error_of(response: httpx.Response) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error.get("field")
