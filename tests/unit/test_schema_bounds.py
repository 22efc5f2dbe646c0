"""Every list an argument or input field takes has a declared, documented maximum."""

from graphql import GraphQLInputObjectType, GraphQLList, GraphQLNonNull
from strawberry.schema.schema_converter import GraphQLCoreConverter

from graphql_schema.bounds import MAX_ITEMS
from graphql_schema.schema import schema


def takes_a_list(input_type: object) -> bool:
    while isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    return isinstance(input_type, GraphQLList)


def list_inputs() -> dict[str, object]:
    """Every argument and input field of a list type, by its path in the schema."""
    found: dict[str, object] = {}
    for type_name, graphql_type in schema._schema.type_map.items():
        if type_name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLInputObjectType):
            for name, field in graphql_type.fields.items():
                if takes_a_list(field.type):
                    found[f"{type_name}.{name}"] = field
        for field_name, field in (getattr(graphql_type, "fields", None) or {}).items():
            for name, argument in (getattr(field, "args", None) or {}).items():
                if takes_a_list(argument.type):
                    found[f"{type_name}.{field_name}({name})"] = argument
    return found


def declared_maximum(definition: object) -> object:
    strawberry_definition = (getattr(definition, "extensions", None) or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return (getattr(strawberry_definition, "metadata", None) or {}).get(MAX_ITEMS)


def test_the_schema_takes_lists() -> None:
    assert "Query.checkOptOuts(tokens)" in list_inputs()
    assert "OptOutInput.channels" in list_inputs()


def test_every_list_input_has_a_maximum_in_its_description() -> None:
    unbounded = []
    for path, definition in list_inputs().items():
        maximum = declared_maximum(definition)
        description = getattr(definition, "description", None) or ""
        if not isinstance(maximum, int) or f"At most {maximum:,} items." not in description:
            unbounded.append(path)
    assert unbounded == []
