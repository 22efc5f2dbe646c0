"""The SDL is checked in, and every name of the public contract is still served."""

from pathlib import Path

from graphql import (
    EnumTypeDefinitionNode,
    GraphQLEnumType,
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    parse,
    print_ast,
)

from graphql_schema.schema import schema

ROOT = Path(__file__).resolve().parents[2]
# The contract lives beside the checkout, in ../shared/design; a clean clone (CI) may have only
# the copy kept here, which must then match it wherever both are present.
SHARED_CONTRACT = ROOT.parent / "shared" / "design" / "api-contract.graphql"
CONTRACT_COPY = Path(__file__).with_name("api-contract.graphql")
# Parts of the contract that later issues deliver: types, fields, enum values ("Enum.VALUE") and
# arguments ("Type.field(argument)"). Shrink it as each part lands.
NOT_YET = {
    # issue 12: consent per campaign type, proof and erasure
    "Purpose.CONVERSATIONAL",
    "ConsentMode",
    "ConsentMethod",
    "BlockReason",
    "ConsentStatus",
    "ConsentInput",
    "Account.consentMode",
    "Account.conversationWindowHours",
    "OptOutStatus.allowed",
    "OptOutStatus.blockedBy",
    "Query.audience(topicId)",
    "Query.checkOptOuts(topicId)",
    "Query.consentStatus",
    "Query.expiringConsents",
    "Mutation.updateAccount(consentMode)",
    "Mutation.updateAccount(conversationWindowHours)",
    "Mutation.recordConsent",
    "Mutation.withdrawConsent",
    "Mutation.eraseToken",
}


def test_committed_sdl_matches_code() -> None:
    committed = (ROOT / "graphql_schema" / "schema.graphql").read_text()
    assert committed.strip() == schema.as_str().strip(), (
        "SDL drifted: run `.venv/bin/python -m graphql_schema.export` to regenerate graphql_schema/schema.graphql"
    )


def contract_text() -> str:
    copy = CONTRACT_COPY.read_text()
    if SHARED_CONTRACT.exists():
        assert SHARED_CONTRACT.read_text() == copy, f"{CONTRACT_COPY} is out of date: copy {SHARED_CONTRACT} over it"
    return copy


def contract_differences() -> list[str]:
    served = schema._schema.type_map
    differences = []
    for definition in parse(contract_text()).definitions:
        if not isinstance(
            definition, (ObjectTypeDefinitionNode, InputObjectTypeDefinitionNode, EnumTypeDefinitionNode)
        ):
            continue
        name = definition.name.value
        if name in NOT_YET:
            continue
        served_type = served.get(name)
        if served_type is None:
            differences.append(f"type {name} is missing")
            continue
        if isinstance(definition, EnumTypeDefinitionNode):
            assert isinstance(served_type, GraphQLEnumType)
            differences += [
                f"{name}.{v.name.value}"
                for v in definition.values or []
                if v.name.value not in served_type.values and f"{name}.{v.name.value}" not in NOT_YET
            ]
            continue
        for field in definition.fields or []:
            path = f"{name}.{field.name.value}"
            served_field = served_type.fields.get(field.name.value)  # type: ignore[union-attr]
            if path in NOT_YET:
                continue
            if served_field is None:
                differences.append(f"{path} is missing")
                continue
            if print_ast(field.type) != str(served_field.type):
                differences.append(f"{path} is {served_field.type}, the contract says {print_ast(field.type)}")
            for argument in getattr(field, "arguments", None) or []:
                served_argument = served_field.args.get(argument.name.value)
                if f"{path}({argument.name.value})" in NOT_YET:
                    continue
                if served_argument is None:
                    differences.append(f"{path}({argument.name.value}) is missing")
                elif print_ast(argument.type) != str(served_argument.type):
                    differences.append(
                        f"{path}({argument.name.value}) is {served_argument.type}, "
                        f"the contract says {print_ast(argument.type)}"
                    )
    return differences


def test_every_contract_name_is_served_with_its_type() -> None:
    assert contract_differences() == []


def is_served(path: str) -> bool:
    served = schema._schema.type_map
    name, _, rest = path.partition(".")
    served_type = served.get(name)
    if served_type is None or not rest:
        return served_type is not None
    if isinstance(served_type, GraphQLEnumType):
        return rest in served_type.values
    field_name, _, argument = rest.partition("(")
    served_field = served_type.fields.get(field_name)  # type: ignore[union-attr]
    if served_field is None or not argument:
        return served_field is not None
    return argument.rstrip(")") in served_field.args


def test_the_not_yet_list_names_only_what_is_not_served() -> None:
    assert [path for path in sorted(NOT_YET) if is_served(path)] == []
