"""The table of shared feed results stays bounded and never mixes shapes up."""

from graphql_schema.event_results import SharedEventResults


def test_the_oldest_result_makes_room() -> None:
    table = SharedEventResults(max_entries=2)
    table.put((1, 1, 1), "first")
    table.put((1, 2, 1), "second")
    table.put((2, 3, 1), "third")

    assert table.get((1, 1, 1)) is None
    assert table.get((1, 2, 1)) == "second"
    assert table.get((2, 3, 1)) == "third"


def test_a_shape_keeps_its_number_and_a_forgotten_one_gets_a_new_one() -> None:
    table = SharedEventResults(max_shapes=2)
    first = table.shape_id(("a",))
    assert table.shape_id(("a",)) == first
    second = table.shape_id(("b",))
    table.shape_id(("c",))  # forgets ("a",)

    again = table.shape_id(("a",))
    assert len({first, second, again}) == 3  # so results kept under the old number cannot be served for it
