import logging
from collections.abc import Iterator
from typing import Self

import strawberry
from graphql import FieldNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from app.errors import DomainError
from app.log_privacy import redacted_traceback
from app.request_facts import current_id, note_operation

logger = logging.getLogger("stoplist.graphql")

_PLURALS = {OperationType.QUERY: "Queries", OperationType.MUTATION: "Mutations"}


@strawberry.type(description="Why a mutation (or one item of a batch) was refused.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, as a dotted path; null for the whole call."
    )
    code: str = strawberry.field(description="Stable machine-readable code, e.g. INVALID_TOKEN, NOT_FOUND, FORBIDDEN.")
    message: str = strawberry.field(description="What is wrong, naming the value.")

    @classmethod
    def from_domain(cls, error: DomainError) -> Self:
        return cls(field=error.field, code=error.code, message=error.message)

    @classmethod
    def list_from(cls, error: DomainError) -> list[Self]:
        return [cls.from_domain(error)]


# What a client did wrong, answered to it as it is: not the server's problem, so not logged here
# (and never with the document, which holds phone numbers and e-mail addresses).
_CLIENT_ERRORS = (DomainError, GraphQLError, CannotGetOperationTypeError, InvalidOperationTypeError)


def is_client_error(error: GraphQLError) -> bool:
    return error.original_error is None or isinstance(error.original_error, _CLIENT_ERRORS)


def log_internal_errors(errors: list[GraphQLError]) -> None:
    """Logs the errors that will be masked, with their tracebacks; by field path, never the
    document or its variables."""
    for error in errors:
        if error.original_error is not None and not is_client_error(error):
            path = ".".join(str(part) for part in error.path or []) or "(operation)"
            logger.error("internal error resolving %s\n%s", path, redacted_traceback(error.original_error))


class StoplistErrors(MaskErrors):
    """Domain errors of queries become errors with `extensions.code` and `.field`; GraphQL's own
    (syntax, validation, limits) pass as they are; anything else is masked and logged."""

    def __init__(self) -> None:
        super().__init__(error_message="Internal server error.")

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        context = self.execution_context
        errors = getattr(context.result, "errors", None) or []
        outcome = None
        if errors:
            masked = any(error.message == self.error_message for error in errors)
            outcome = "server_error" if masked else "client_error"
        elif _refused_in_payload(getattr(context.result, "data", None)):
            outcome = "client_error"
        note_operation(_operation_label(context), _root_field(context), outcome)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """Masked, with the request's id: the one its traceback is logged with."""
        request = current_id()
        extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request} if request else {}
        return GraphQLError(self.error_message, nodes=error.nodes, path=error.path, extensions=extensions)

    def _process_result(self, result: object) -> None:
        # MaskErrors tests each result against a runtime Protocol, which took a tenth of the
        # server's CPU per feed delivery; an attribute read does the same job.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            original = error.original_error
            if isinstance(original, DomainError):
                processed.append(
                    GraphQLError(
                        original.message,
                        nodes=error.nodes,
                        path=error.path,
                        original_error=None,
                        extensions={"code": original.code, "field": original.field},
                    )
                )
            elif isinstance(original, InvalidOperationTypeError):
                # Only the legacy graphql-ws protocol restricts what it runs (HTTP answers a 400).
                processed.append(
                    GraphQLError(
                        f"{_PLURALS[original.operation_type]} are not served over the legacy graphql-ws protocol, "
                        "only subscriptions: send them over HTTP or graphql-transport-ws.",
                        nodes=error.nodes,
                        extensions={"code": "OPERATION_NOT_ALLOWED"},
                    )
                )
            elif is_client_error(error):
                processed.append(error)
            else:
                processed.append(self.anonymise_error(error))
        return processed


def _operation_label(context: ExecutionContext) -> str:
    """The operation's name, else its root fields ("checkOptOuts", "optOut,optIn"): what the
    request log and the metrics group requests by. At most a few names, each cut short."""
    if context.operation_name:
        return context.operation_name[:64]
    document = context.graphql_document
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)] if document else []
    if not operations:
        return "(none)"
    fields = [s.name.value for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
    return ",".join(name[:64] for name in fields[:3]) + (",..." if len(fields) > 3 else "") or "(none)"


def _root_field(context: ExecutionContext) -> str:
    """The first root field of a document that passed validation (so a field of the schema), else
    "(invalid)": what the metrics label a request by, never a name a client made up."""
    result = context.result
    document = context.graphql_document
    if document is None or (result is not None and getattr(result, "data", None) is None):
        return "(invalid)"
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    return selection.name.value
    return "(invalid)"


def _refused_in_payload(data: object) -> bool:
    """Whether a root field's payload lists errors: a mutation refused as the contract says, in
    its `errors`, is the client's error as much as a top-level one."""
    if not isinstance(data, dict):
        return False
    return any(isinstance(payload, dict) and payload.get("errors") for payload in data.values())
