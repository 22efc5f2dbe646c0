"""Property-based fuzz tests of the file routes, POST /imports/optouts, /imports/contacts and
/scrub, and of the exports' parameters: whatever the file, its encoding, its delimiter and the
parameters, the answer is a report (or the file) or a clear 4xx, never a 5xx, and the server logs
no traceback."""

import asyncio
import codecs

import httpx
from hypothesis import given
from hypothesis import strategies as st

from tests.api.test_fuzz import _TRACEBACK, LogTail
from tests.support.fuzzing import server_fuzz
from tests.support.server import Server
from tests.support.tenants import Tenant

EXAMPLES = 200
LINES = st.one_of(
    st.sampled_from(["+31612345678", "0687654321", "ann@example.com", "phone,email", '"unclosed', "=cmd", ""]),
    st.text(max_size=40),
)
FILES = st.one_of(
    st.lists(LINES, max_size=30).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
    st.lists(LINES, max_size=30).map(lambda lines: "\r\n".join(lines).encode("utf-16", "surrogatepass")),
    st.binary(max_size=5_000),
    st.just(codecs.BOM_UTF8 + b"phone;email\n+31612345678;x@y.z\n\x00"),
)
PARAMETER = st.one_of(
    st.none(), st.sampled_from(["SMS", "EMAIL", "utf-8", "latin-1", "tab", ";", "x"]), st.text(max_size=20)
)


def fuzz(server: Server, key: str, account: str) -> int:
    log = LogTail(server.log)
    answered = 0
    with httpx.Client(base_url=server.url, timeout=30.0) as http:

        @server_fuzz(EXAMPLES)
        @given(
            body=FILES,
            channels=st.lists(st.sampled_from(["SMS", "VOICE", "EMAIL", "sms", ""]), max_size=3),
            encoding=PARAMETER,
            delimiter=PARAMETER,
            reason=PARAMETER,
            account_id=st.sampled_from([account, "acc_" + "0" * 32, "nope"]),
            route=st.sampled_from(["/imports/optouts", "/imports/contacts", "/scrub"]),
            mode=st.sampled_from(["remove", "flag", "x"]),
            flags=st.dictionaries(
                st.sampled_from(["resetOptOuts", "dryRun", "consentEvidence", "groupId"]), PARAMETER.filter(bool)
            ),
        )
        def every_upload_gets_a_clear_answer(
            body: bytes,
            channels: list[str],
            encoding: str | None,
            delimiter: str | None,
            reason: str | None,
            account_id: str,
            route: str,
            mode: str,
            flags: dict[str, str],
        ) -> None:
            nonlocal answered
            params: dict[str, str | list[str]] = {"accountId": account_id, "channel": channels}
            if route == "/scrub":
                params.update(mode=mode, channel=channels[:1])
            if route == "/imports/contacts":
                params.update(flags)
            for name, value in (("encoding", encoding), ("delimiter", delimiter), ("reason", reason)):
                if value is not None:
                    params[name] = value
            response = http.post(route, params=params, content=body, headers={"authorization": f"Bearer {key}"})
            assert response.status_code in (200, 400, 404), (response.status_code, response.text[:500])
            if response.status_code != 200:
                assert set(response.json()["error"]) >= {"code", "message"}
            elif route == "/scrub":
                assert response.headers["content-type"] == "text/csv; charset=utf-8"
            elif route == "/imports/contacts":
                assert "skippedOptedOut" in response.json()
            else:
                assert "optedOut" in response.json()
            written = log.read()
            assert _TRACEBACK not in written, written[-3_000:]
            answered += 1

        every_upload_gets_a_clear_answer()
    return answered


async def test_hostile_uploads_get_clear_answers(server: Server, tenant: Tenant) -> None:
    account = await tenant.create_account()

    answered = await asyncio.to_thread(fuzz, server, tenant.writer_key, account)

    assert answered >= EXAMPLES


def fuzz_exports(server: Server, key: str, account: str, group: str) -> int:
    log = LogTail(server.log)
    answered = 0
    with httpx.Client(base_url=server.url, timeout=30.0) as http:

        @server_fuzz(EXAMPLES)
        @given(
            route=st.sampled_from(["optouts", "history", "audience", "inbound"]),
            params=st.dictionaries(
                st.sampled_from(
                    ["accountId", "groupId", "channel", "tokenType", "purpose", "since", "needsReview", "format"]
                ),
                st.one_of(
                    st.sampled_from(
                        [account, group, "acc_" + "0" * 32, "SMS", "EMAIL", "MSISDN", "TRANSACTIONAL", "xlsx", "tsv"]
                    ),
                    st.sampled_from(["2026-12-01T00:00:00Z", "2026-13-01", "9999-12-31T23:59:59-14:00", "true"]),
                    st.text(max_size=30),
                ),
            ),
        )
        def every_export_gets_a_clear_answer(route: str, params: dict[str, str]) -> None:
            nonlocal answered
            response = http.get(f"/exports/{route}", params=params, headers={"authorization": f"Bearer {key}"})
            assert response.status_code in (200, 400, 404), (response.status_code, response.text[:500])
            if response.status_code != 200:
                assert set(response.json()["error"]) >= {"code", "message"}
            written = log.read()
            assert _TRACEBACK not in written, written[-3_000:]
            answered += 1

        every_export_gets_a_clear_answer()
    return answered


async def test_hostile_export_parameters_get_clear_answers(server: Server, tenant: Tenant) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await tenant.opt_out(account, "+31611111111", ["SMS"])

    answered = await asyncio.to_thread(fuzz_exports, server, tenant.reader_key, account, group)

    assert answered >= EXAMPLES
