from tests.support.client import ApiClient
from tests.support.tenants import Tenant


async def test_alias_count_is_limited(tenant: Tenant, api: ApiClient) -> None:
    query = "{ " + " ".join(f"a{n}: organization {{ id }}" for n in range(31)) + " }"

    errors = await api.errors(query, key=tenant.reader_key)

    assert errors == [{"message": "31 aliases found. Allowed: 30"}]


async def test_document_size_is_limited(tenant: Tenant, api: ApiClient) -> None:
    query = "{ organization { " + "id " * 2_000 + "} }"

    errors = await api.errors(query, key=tenant.reader_key)

    assert errors == [{"message": "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."}]


async def test_body_size_is_limited(tenant: Tenant, api: ApiClient) -> None:
    tokens = ["+31611111111" * 10] * 40_000  # about 5 MB of JSON

    response = await api.post("query($t: [String!]!) { organization { id } }", {"t": tokens}, key=tenant.reader_key)

    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "BODY_TOO_LARGE", "message": "The request body exceeds 4194304 bytes."}
    }


async def test_malformed_json_is_a_400(tenant: Tenant, api: ApiClient) -> None:
    response = await api.http.post(
        "/graphql",
        content=b"{not json",
        headers={"authorization": f"Bearer {tenant.reader_key}", "content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
