"""Plain async factories: each test makes its own organization, so no test depends on another."""

import itertools
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app import ids
from app.auth.service import ApiKeyService
from app.db.unit_of_work import UnitsOfWork
from app.organizations.service import organization_service
from tests.support.client import ApiClient

_names = itertools.count(1)

CREATE_ACCOUNT = """
mutation($name: String!, $scope: OptOutScope, $country: String) {
  createAccount(name: $name, optOutScope: $scope, defaultCountry: $country) {
    account { id } errors { field code message }
  }
}"""
CREATE_GROUP = """
mutation($accountId: ID!, $name: String!, $bypass: Boolean) {
  createGroup(accountId: $accountId, name: $name, bypassOptOut: $bypass) { group { id } errors { field code message } }
}"""
CREATE_CONTACT = """
mutation($accountId: ID!, $phone: String, $email: String, $groups: [ID!]) {
  createContact(accountId: $accountId, phoneNumber: $phone, email: $email, groupIds: $groups) {
    contact { id } errors { field code message }
  }
}"""
OPT_OUT = """
mutation($input: OptOutInput!) {
  optOut(input: $input) {
    events { id cursor accountId scope token tokenType channel action source reason occurredAt }
    errors { field code message }
  }
}"""
OPT_IN = OPT_OUT.replace("optOut(input", "optIn(input")


@dataclass
class Tenant:
    api: ApiClient
    units: UnitsOfWork
    keys: ApiKeyService
    organization_id: UUID
    admin_key: str
    writer_key: str = ""
    reader_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def public_id(self) -> str:
        return ids.encode("Organization", self.organization_id)

    async def key(self, role: str, account_id: str | None = None) -> str:
        async with self.units.write() as unit:
            created = await self.keys.create(
                unit,
                organization_id=self.organization_id,
                role=role,
                account_id=ids.decode("Account", account_id, field="account") if account_id else None,
            )
        return created.key

    async def _ok(self, query: str, variables: dict[str, Any], name: str, key: str | None = None) -> dict[str, Any]:
        payload = (await self.api.graphql(query, variables, key=key or self.admin_key))[name]
        assert payload["errors"] == [], payload["errors"]
        return dict(payload)

    async def create_account(
        self, name: str | None = None, *, scope: str = "ORGANIZATION", country: str | None = "NL"
    ) -> str:
        variables = {"name": name or f"Account {next(_names)}", "scope": scope, "country": country}
        return str((await self._ok(CREATE_ACCOUNT, variables, "createAccount"))["account"]["id"])

    async def create_group(self, account_id: str, name: str | None = None, *, bypass: bool = False) -> str:
        variables = {"accountId": account_id, "name": name or f"Group {next(_names)}", "bypass": bypass}
        return str((await self._ok(CREATE_GROUP, variables, "createGroup"))["group"]["id"])

    async def create_contact(
        self, account_id: str, *, phone: str | None = None, email: str | None = None, groups: list[str] | None = None
    ) -> str:
        variables = {"accountId": account_id, "phone": phone, "email": email, "groups": groups or []}
        return str((await self._ok(CREATE_CONTACT, variables, "createContact"))["contact"]["id"])

    async def opt_out(self, account_id: str, token: str, channels: list[str], **extra: Any) -> list[dict[str, Any]]:
        variables = {"input": {"accountId": account_id, "token": token, "channels": channels, **extra}}
        return list((await self._ok(OPT_OUT, variables, "optOut"))["events"])

    async def opt_in(self, account_id: str, token: str, channels: list[str], **extra: Any) -> list[dict[str, Any]]:
        variables = {"input": {"accountId": account_id, "token": token, "channels": channels, **extra}}
        return list((await self._ok(OPT_IN, variables, "optIn"))["events"])


async def make_tenant(api: ApiClient, units: UnitsOfWork, keys: ApiKeyService) -> Tenant:
    async with units.write() as unit:
        created = await organization_service.create(unit, keys, name=f"Org {next(_names)}")
    tenant = Tenant(
        api=api,
        units=units,
        keys=keys,
        organization_id=created.organization.id,
        admin_key=created.admin_key.key,
    )
    tenant.writer_key = await tenant.key("writer")
    tenant.reader_key = await tenant.key("reader")
    return tenant
