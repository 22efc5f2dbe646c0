"""The GraphQL endpoint: authenticates the API key, builds the typed context."""

import json
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.schema import BaseSchema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from app.auth import keys
from app.http.graphiql.page import graphiql_page
from graphql_schema.bounds import MAX_DOCUMENT_LENGTH
from graphql_schema.context import Context
from graphql_schema.event_results import SharedEventResults
from graphql_schema.loaders import Loaders
from graphql_schema.websockets import LegacyWSHandler, TextFrameWebSocketAdapter, TransportWSHandler


class StoplistGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(self, schema: BaseSchema, **options: Any) -> None:
        super().__init__(schema, **options)
        self.event_results = SharedEventResults()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = _json_error(error.status_code, error.reason)
        await response(scope, receive, send)

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page()  # Strawberry's own page loads GraphiQL from a CDN

    # Checks and audience pages answer thousands of objects: orjson encodes them ~5x faster.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        """A request body (and the variables and extensions of a GET) is a JSON object; Strawberry
        would fail on any other JSON value (`null`, `42`) with an internal error."""
        value = super().parse_json(data)
        if not isinstance(value, dict):
            raise HTTPException(400, f"Expected a JSON object, found {_json_kind(value)}.")
        return value

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Queries and mutations over HTTP; a subscription over HTTP would run as a query and fail
        on its event stream, so it is refused: subscriptions are served over WebSocket."""
        query = request_data.query
        if query is not None and len(query) > MAX_DOCUMENT_LENGTH:
            raise HTTPException(
                400,
                f"The GraphQL document is {len(query):,} characters long; at most {MAX_DOCUMENT_LENGTH:,} are allowed.",
            )
        allowed = (
            {OperationType.QUERY} if request_adapter.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as error:
            raise HTTPException(400, error.as_http_error_reason()) from error
        except InvalidOperationTypeError as error:
            raise HTTPException(400, _not_over_http(error.operation_type, request_adapter.method)) from error
        except MissingQueryError as error:
            raise HTTPException(400, "No GraphQL query found in the request.") from error

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.state
        context = Context(
            units=state.units,
            feed=state.feed,
            api_keys=state.api_keys,
            maybe_actor=None,
            loaders=Loaders(state.units, None),
            event_results=self.event_results,
            links_base=state.links_base,
        )
        # A WebSocket authenticates in its connection_init payload: see on_ws_connect.
        if isinstance(request, WebSocket):
            context.websocket = request
        else:
            token = keys.bearer_token(request.headers.get("authorization"))
            if not await context.authenticate(token) and not _wants_graphiql(request):
                raise HTTPException(401, "A valid API key is required: Authorization: Bearer <key>.")
        return context

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        authorization = params.get("authorization") or params.get("Authorization")
        token = keys.bearer_token(authorization) if isinstance(authorization, str) else None
        if not await context.authenticate(token):
            # graphql-transport-ws closes with 4403; legacy graphql-ws sends connection_error.
            raise ConnectionRejectionError(
                {"message": 'A valid API key is required: {"authorization": "Bearer <key>"}.'}
            )
        if context.websocket is not None and context.actor.key_id is not None:  # closed if the key is revoked
            context.websocket.state.key_watch.watch(context.actor.key_id, context.websocket)
        return cast(UnsetType, UNSET)  # acknowledged, with no payload


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    return orjson.dumps(value).decode()[:50]


def _not_over_http(operation_type: OperationType, method: str) -> str:
    if operation_type is OperationType.SUBSCRIPTION:
        return (
            "Subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws), not over HTTP."
        )
    return f"{operation_type.value.capitalize()}s are not allowed over {method}: send them with POST."


def _wants_graphiql(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "") and not request.query_params


def _json_error(status: int, message: str) -> Response:
    code = {401: "UNAUTHENTICATED", 405: "METHOD_NOT_ALLOWED", 404: "NOT_FOUND"}.get(status, "BAD_REQUEST")
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    return Response(json.dumps(body), status_code=status, media_type="application/json", headers=headers)
