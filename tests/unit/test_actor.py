from uuid import uuid4

from app.auth.actor import Actor
from app.enums import Role


def test_an_inbound_message_acts_for_its_account_only_and_as_a_writer() -> None:
    gateway = Actor(organization_id=uuid4(), role=Role.ADMIN, key_id=uuid4())
    account, sibling = uuid4(), uuid4()

    sender = gateway.for_message_of(account)

    assert (sender.organization_id, sender.role, sender.key_id) == (
        gateway.organization_id,
        Role.WRITER,
        gateway.key_id,
    )
    assert sender.can_see_account(account)
    assert not sender.can_see_account(sibling)
