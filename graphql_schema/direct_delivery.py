"""Live feed events go straight to each subscriber's socket, executed and encoded once per
distinct subscription.

Strawberry passes every subscription event through graphql-core's event mapping, its own result
handling and extension hooks, and the protocol handler: with 500 subscribers that was most of
the server's CPU per delivery (`./dev bench feed`). Instead, every WebSocket operation gets a
DirectChannel (a context variable of the operation's task), and the feed's resolver hands each
event to it rather than yielding it:

- the event's result for the subscription's *shape* is computed once per process and kept,
  encoded, in SharedEventResults. The shape is what a result depends on besides the event: the
  root field's response key, directives and selection, the document's fragments, the variables
  they use, and the caller's scope. The root field's arguments are left out: they choose which
  events a subscriber gets, not what an event looks like, so subscribers resuming from
  different cursors still share;
- the subscriber's message is that JSON inside the protocol's envelope with the operation's id:
  the same message Strawberry would send for a result without errors.

An event whose result has errors, or would need awaiting, is not sent here: the resolver yields
it, and from then on that operation goes the ordinary way.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from contextvars import ContextVar
from typing import Any

import orjson
from graphql import ExecutionResult, FieldNode, Visitor, print_ast, visit
from strawberry.http.exceptions import WebSocketDisconnected

from app.opt_outs.records import EventRecord
from graphql_schema.event_results import SharedEventResults
from graphql_schema.execution import FastListExecutionContext
from graphql_schema.opt_outs import OptOutEvent


class DirectChannel:
    """One WebSocket operation's way to its subscriber."""

    def __init__(
        self,
        send_text: Callable[[str], Awaitable[None]],
        envelope: tuple[str, str],
        is_open: Callable[[], bool] = lambda: True,
    ) -> None:
        self._send_text = send_text
        self._before, self._after = envelope
        self._is_open = is_open
        self.executor: DirectDeliveryExecutionContext | None = None  # the operation's, once built
        self._results: SharedEventResults | None = None
        self._shape_id: int | None = None
        self._complete: Callable[[Any], dict[str, Any] | None] | None = None

    def release(self) -> None:
        """Drops everything the operation held (its executor, variables and socket): copies of the
        operation's context, kept by timers it started, may outlive it by minutes."""
        self.executor = None
        self._results = self._shape_id = self._complete = None
        self._send_text = _closed
        self._is_open = _never

    def ready(self) -> bool:
        """Whether this operation's events can be shared: it runs one plain root field for a caller."""
        if self._shape_id is None and self.executor is not None:
            results = getattr(self.executor.context_value, "event_results", None)
            shape = subscription_shape(self.executor)
            if isinstance(results, SharedEventResults) and shape is not None:
                self._results, self._shape_id = results, results.shape_id(shape)
                self._complete = self.executor.plain_root_completer()
        return self._shape_id is not None

    async def deliver(self, event: EventRecord) -> bool:
        """Sends the event's message; False, having sent nothing, when the ordinary way must."""
        if self._results is None or self._shape_id is None:
            return False
        key = (event.xact_id, event.id, self._shape_id)
        payload = self._results.get(key)
        if payload is None:
            payload = self._execute(event)
            if payload is None:
                return False
            self._results.put(key, payload)
        if self._is_open():
            try:
                await self._send_text(f"{self._before}{payload}{self._after}")
            except WebSocketDisconnected:
                # The connection's handler cancels its operations as it tears down.
                await asyncio.Future()
        return True

    def _execute(self, event: EventRecord) -> str | None:
        assert self.executor is not None
        root = OptOutEvent.from_model(event)
        # The selection planned once (graphql_schema/execution.py), else graphql-core's way.
        data = self._complete(root) if self._complete is not None else None
        if data is None:
            result = self.executor.build_per_event_executor(root).execute_operation(False)
            if not isinstance(result, ExecutionResult):
                getattr(result, "close", lambda: None)()  # an unawaited coroutine: the ordinary way runs it
                return None
            if result.errors:
                return None
            data = result.data
        return orjson.dumps({"data": data}).decode()


async def _closed(_text: str) -> None:
    raise WebSocketDisconnected


def _never() -> bool:
    return False


current_channel: ContextVar[DirectChannel | None] = ContextVar("current_channel", default=None)


class DirectDeliveryExecutionContext(FastListExecutionContext):
    """Registers itself with its operation's channel: the executor of a subscription is built in
    the operation's task, after the handler opened the channel and before the resolver runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel = current_channel.get()
        if channel is not None and channel.executor is None:
            channel.executor = self


class _VariableNames(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_variable(self, node: Any, *_: Any) -> None:
        self.names.add(node.name.value)


def subscription_shape(executor: Any) -> Hashable | None:
    """What an event's result depends on besides the event, or None when sharing is not safe to
    reason about (no caller, or a root selection that is not a single field)."""
    actor = getattr(executor.context_value, "maybe_actor", None)
    selections = executor.operation.selection_set.selections
    if actor is None or len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    field = selections[0]
    shape = FieldNode(
        alias=field.alias, name=field.name, arguments=(), directives=field.directives, selection_set=field.selection_set
    )
    fragments = [executor.fragment_definitions[name] for name in sorted(executor.fragment_definitions)]
    variables = _VariableNames()
    for node in [shape, *fragments]:
        visit(node, variables)
    values = executor.variable_values.coerced
    used = tuple(sorted((name, repr(values.get(name))) for name in variables.names))
    text = "\n".join(print_ast(node) for node in [shape, *fragments])
    return (text, used, actor.organization_id, actor.account_id, actor.role)
