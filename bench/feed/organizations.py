"""The benchmark's organizations: each with one account, its first admin key (for writing) and a
reader key (for subscribing), made as bench/dataset.py makes its tenant: the organization and
keys in-process with the app's own services, the account through the API."""

from dataclasses import dataclass

from bench import http
from bench.dataset import CREATE_ACCOUNT


@dataclass(frozen=True)
class Organization:
    public_id: str
    account_id: str  # public id (acc_...)
    admin_key: str
    reader_key: str


async def create_organizations(database_url: str, pepper: str, host: str, port: int, count: int) -> list[Organization]:
    # The app's own code makes organizations and keys: the server must hash the keys exactly alike.
    from app import ids
    from app.auth.service import ApiKeyService
    from app.db.engine import build_engine
    from app.db.unit_of_work import UnitsOfWork
    from app.organizations.service import organization_service

    keys = ApiKeyService(pepper)
    engine = build_engine(database_url, pool_size=1)
    made = []
    try:
        async with UnitsOfWork(engine).write() as unit:
            for n in range(count):
                created = await organization_service.create(unit, keys, name=f"Feed benchmark {n + 1:03d}")
                reader = await keys.create(unit, organization_id=created.organization.id, role="reader")
                made.append((ids.encode("Organization", created.organization.id), created.admin_key.key, reader.key))
    finally:
        await engine.dispose()

    organizations = []
    for n, (public_id, admin_key, reader_key) in enumerate(made):
        answer = (await http.graphql(host, port, admin_key, CREATE_ACCOUNT, {"name": f"Feed {n + 1:03d}"}))[
            "createAccount"
        ]
        assert not answer["errors"], answer
        organizations.append(Organization(public_id, answer["account"]["id"], admin_key, reader_key))
    return organizations
