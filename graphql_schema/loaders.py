"""Per-request DataLoaders: one query per batch of parents, each batch in its own session."""

from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from app import models
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork, UnitsOfWork
from app.groups.service import group_service
from app.opt_outs.service import TokenStatus, opt_out_service

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    """Each loader is made on first use: most requests need none, and every one made is a few
    objects in reference cycles for the garbage collector to find."""

    def __init__(self, units: UnitsOfWork, actor: Actor | None) -> None:
        self._units = units
        self._actor = actor

    @cached_property
    def groups_by_contact(self) -> DataLoader[UUID, list[models.Group]]:
        loader: DataLoader[UUID, list[models.Group]] = self._loader(self._groups_by_contact)
        return loader

    @cached_property
    def statuses_by_contact(self) -> DataLoader[models.Contact, list[TokenStatus]]:
        return DataLoader(load_fn=self._statuses_by_contact, cache_key_fn=lambda contact: contact.id)

    @cached_property
    def member_count(self) -> DataLoader[UUID, int]:
        loader: DataLoader[UUID, int] = self._loader(self._member_counts)
        return loader

    def _loader(self, load: Callable[[UnitOfWork, Actor, list[Any]], Awaitable[list[Any]]], **options: Any) -> Any:
        async def batch(keys: list[Any]) -> list[Any]:
            assert self._actor is not None  # resolvers ask for the actor before any loader runs
            async with self._units.read() as unit:
                return await load(unit, self._actor, keys)

        return DataLoader(load_fn=batch, **options)

    @staticmethod
    async def _groups_by_contact(unit: UnitOfWork, actor: Actor, contact_ids: list[UUID]) -> list[list[models.Group]]:
        by_contact = await group_service.groups_of(unit, actor, contact_ids)
        return [by_contact.get(contact_id, []) for contact_id in contact_ids]

    async def _statuses_by_contact(self, contacts: list[models.Contact]) -> list[list[TokenStatus]]:
        assert self._actor is not None
        async with self._units.read() as unit:
            by_contact = await opt_out_service.contact_statuses(unit, self._actor, contacts)
        return [by_contact.get(contact.id, []) for contact in contacts]

    @staticmethod
    async def _member_counts(unit: UnitOfWork, actor: Actor, group_ids: list[UUID]) -> list[int]:
        counts = await group_service.member_counts(unit, actor, group_ids)
        return [counts.get(group_id, 0) for group_id in group_ids]
