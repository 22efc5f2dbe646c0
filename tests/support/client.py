from typing import Any

import httpx


class GraphQLErrors(AssertionError):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


class ApiClient:
    """Talks to the running server over HTTP, as an integrator would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, variables: dict[str, Any] | None, key: str | None) -> httpx.Response:
        headers = {"authorization": f"Bearer {key}"} if key else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)

    async def graphql(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None) -> dict[str, Any]:
        """The `data` of a call that must succeed without top-level errors."""
        response = await self.post(query, variables, key)
        body = response.json()
        if body.get("errors"):
            raise GraphQLErrors(body["errors"])
        assert response.status_code == 200, body
        return dict(body["data"])

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str | None
    ) -> list[dict[str, Any]]:
        """The top-level errors of a call that must fail, reduced to what a client would read."""
        body = (await self.post(query, variables, key)).json()
        assert body.get("errors"), body
        return [{"message": e["message"], **(e.get("extensions") or {})} for e in body["errors"]]
