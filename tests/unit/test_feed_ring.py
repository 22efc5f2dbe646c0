"""The feed's ring: what a subscriber reads from memory instead of the table."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from app.feed.hub import Ring
from app.opt_outs.cursor import START, EventPosition
from app.opt_outs.records import EventRecord


def event(xact_id: int, event_id: int, organization_id: UUID | None = None) -> EventRecord:
    return EventRecord(
        id=event_id,
        organization_id=organization_id or uuid4(),
        list_id=uuid4(),
        account_id=uuid4(),
        scope="ACCOUNT",
        token=f"+3161{event_id:07d}",
        token_type="MSISDN",
        channel="SMS",
        action="OPT_OUT",
        source="API",
        reason=None,
        api_key_id=None,
        occurred_at=datetime.now(UTC),
        xact_id=xact_id,
    )


def test_after_returns_the_events_past_a_position_in_order() -> None:
    ring = Ring(100)
    # Ids are not in commit order: positions order by transaction first.
    events = [event(10, 3), event(11, 1), event(11, 2), event(12, 7)]
    ring.extend(events, EventPosition(12, 7))

    assert ring.after(START) == events
    assert ring.after(EventPosition(11, 1)) == events[2:]
    assert ring.after(EventPosition(11, 5)) == events[3:]
    assert ring.after(EventPosition(12, 7)) == []


def test_it_keeps_its_size_and_says_where_it_starts_after_trimming() -> None:
    ring = Ring(8)
    events = [event(n, n) for n in range(1, 31)]
    for start in range(0, 30, 3):
        ring.extend(events[start : start + 3], events[min(start + 2, 29)].position)

    kept = ring.after(START)
    assert 8 <= len(kept) <= 10  # trimmed in chunks, never beyond 1.25 times its size
    assert kept == events[-len(kept) :]
    # Everything after `start` is held: a reader at `start` or later may use the ring.
    assert ring.start == events[-len(kept) - 1].position
    assert ring.after(ring.start) == kept


def test_an_empty_batch_moves_an_empty_rings_start_to_the_high_water() -> None:
    ring = Ring(8)
    ring.extend([], EventPosition(40, 2))
    assert ring.start == EventPosition(40, 2)
    assert ring.after(ring.start) == []


def test_an_organizations_events_are_found_without_the_others() -> None:
    ring = Ring(100)
    mine, theirs = uuid4(), uuid4()
    events = [event(n, n, mine if n % 3 == 0 else theirs) for n in range(1, 13)]
    ring.extend(events[:6], events[5].position)
    ring.extend(events[6:], events[11].position)

    assert ring.after(START, mine) == [e for e in events if e.organization_id == mine]
    assert ring.after(events[5].position, mine) == [events[8], events[11]]
    assert ring.after(events[5].position, theirs) == [e for e in events[6:] if e.organization_id == theirs]
    assert ring.after(START, uuid4()) == []


def test_trimming_drops_an_organizations_old_events_too() -> None:
    ring = Ring(8)
    mine, theirs = uuid4(), uuid4()
    events = [event(n, n, mine if n <= 3 else theirs) for n in range(1, 31)]
    for start in range(0, 30, 3):
        ring.extend(events[start : start + 3], events[start + 2].position)

    assert ring.after(START, mine) == []  # all three were trimmed away with the rest
    assert ring.after(ring.start, theirs) == ring.after(ring.start)
