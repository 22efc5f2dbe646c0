"""A contact import into an account's address book (POST /imports/contacts, `stoplist import
contacts`): a CSV with a header row, read record by record, written a batch at a time in the
caller's one transaction: the whole file or nothing of it.

A row whose number or address is opted out of any channel of the account's list is skipped
(the most common complaint about peers is an import that brings opted-out people back), unless
the import resets opt-outs, with consent evidence kept on each opt-in event. A row with the
number (else the address) of an existing contact updates it; a row repeating one of an earlier
row counts as a duplicate and changes nothing."""

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson

from app import models, tokens
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.bulk.in_flight import BatchInFlight
from app.bulk.optout_upload import EMAIL_COLUMNS, MAX_REPORTED_INVALID, PHONE_COLUMNS, InvalidLine
from app.bulk.reading import DelimitedReader, Record, UnreadableFile, read_records
from app.contacts.repository import ContactValues
from app.contacts.service import contact_service
from app.db.unit_of_work import UnitOfWork
from app.enums import OptOutSource, Role
from app.errors import DomainError, InvalidInput, quoted
from app.groups.service import group_service
from app.opt_outs.records import Evidence
from app.opt_outs.service import opt_out_service
from app.ordered_ids import ordered_uuids

BATCH = 5_000  # rows a round of statements
MAX_CONSENT_EVIDENCE_LENGTH = 2_000
MAX_NAME_LENGTH = 200
MAX_CUSTOM_FIELDS = 100  # columns besides the known four
_NAMES = {
    "phone": PHONE_COLUMNS,
    "email": EMAIL_COLUMNS,
    "first_name": ("first_name", "firstname", "first", "given_name"),
    "last_name": ("last_name", "lastname", "last", "surname", "family_name"),
}


@dataclass(frozen=True)
class ImportOptions:
    group_id: UUID | None = None
    reset_opt_outs: bool = False
    consent_evidence: str | None = None
    dry_run: bool = False

    def __post_init__(self) -> None:
        evidence = (self.consent_evidence or "").strip()
        if self.reset_opt_outs and not evidence:
            raise InvalidInput(
                "resetOptOuts opts people back in: give the consentEvidence of their new consent "
                "(how, when and where they agreed).",
                field="consentEvidence",
            )
        if len(evidence) > MAX_CONSENT_EVIDENCE_LENGTH:
            raise InvalidInput(
                f"consentEvidence is {len(evidence):,} characters long; "
                f"at most {MAX_CONSENT_EVIDENCE_LENGTH:,} are allowed.",
                field="consentEvidence",
            )


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    skipped_opted_out: int = 0
    reset: int = 0  # rows whose opt-outs were reset (and which were then imported)
    duplicates: int = 0  # rows repeating a number or address of an earlier row
    invalid_count: int = 0
    invalid: list[InvalidLine] = field(default_factory=list)  # the first MAX_REPORTED_INVALID
    dry_run: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "skippedOptedOut": self.skipped_opted_out,
            "reset": self.reset,
            "duplicates": self.duplicates,
            "invalidCount": self.invalid_count,
            "invalid": [{"line": bad.line, "value": bad.value, "message": bad.message} for bad in self.invalid],
            "dryRun": self.dry_run,
        }


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    msisdn: str | None
    email: str | None
    first_name: str | None
    last_name: str | None
    custom_fields: str  # JSON text

    def values(self, contact_id: UUID) -> ContactValues:
        return (contact_id, self.msisdn, self.email, self.first_name, self.last_name, self.custom_fields)


class _Columns:
    """Where the known columns are in the header, and the names of the others (custom fields)."""

    def __init__(self, header: list[str]) -> None:
        names = [name.strip() for name in header]
        keys = [name.lower().replace(" ", "_").replace("-", "_") for name in names]
        self.width = len(names)
        self.known: dict[str, int] = {}
        for wanted, aliases in _NAMES.items():
            spelt = [alias.replace("-", "_") for alias in aliases]
            found = next((keys.index(alias) for alias in spelt if alias in keys), None)
            if found is not None:
                self.known[wanted] = found
        if "phone" not in self.known and "email" not in self.known:
            shown = ", ".join(quoted(name) for name in names[:10])
            raise UnreadableFile(
                f"The header row names no phone or email column (it has {shown}): the first row must name the "
                "columns, e.g. phone,email,first_name,last_name."
            )
        taken = set(self.known.values())
        self.custom = [(index, name) for index, name in enumerate(names) if index not in taken and name]
        seen: set[str] = set()
        for _, name in self.custom:
            if name in seen:
                raise UnreadableFile(f"The header row names the column {quoted(name)} twice.")
            seen.add(name)
        if len(self.custom) > MAX_CUSTOM_FIELDS:
            raise UnreadableFile(
                f"The header row has {len(self.custom)} custom columns; at most {MAX_CUSTOM_FIELDS} are allowed."
            )
        self._positions = [self.known.get(name) for name in _NAMES]

    def row(self, record: Record, default_country: str | None) -> _Row:
        fields = record.fields
        count = len(fields)
        if count > self.width or (count == 1 and self.width > 1):
            raise InvalidInput(
                f"The row has {count} field{'s' if count != 1 else ''} and the header {self.width}: "
                "is it quoted right, and is its delimiter the header's?"
            )
        # Padded: a row may leave its last empty fields out.
        padded = fields if count == self.width else [*fields, *[""] * (self.width - count)]
        phone, email, first_name, last_name = (
            padded[index].strip() if index is not None else "" for index in self._positions
        )
        if not phone and not email:
            raise InvalidInput("The row has neither a phone number nor an e-mail address.")
        custom = {name: text for index, name in self.custom if (text := padded[index].strip())}
        return _Row(
            line=record.line,
            msisdn=tokens.normalise_msisdn(phone, default_country, field="phone") if phone else None,
            email=tokens.normalise_email(email, field="email") if email else None,
            first_name=_name(first_name, "first_name"),
            last_name=_name(last_name, "last_name"),
            custom_fields=orjson.dumps(custom).decode() if custom else "{}",
        )

    def shown(self, record: Record) -> str:
        """The value a report shows for a bad row: its number or address, else the row itself."""
        for name in ("phone", "email"):
            index = self.known.get(name)
            if index is not None and index < len(record.fields) and record.fields[index].strip():
                return record.fields[index].strip()
        return ",".join(record.fields)


def _name(value: str, column: str) -> str | None:
    if not value:
        return None
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{column} is {len(value)} characters long; at most {MAX_NAME_LENGTH} are allowed.")
    return value or None


class ContactImport:
    def __init__(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account: AccountSettings,
        group: models.Group | None,
        options: ImportOptions,
    ) -> None:
        self.uow, self.actor, self.account, self.group, self.options = uow, actor, account, group, options
        self.report = ImportReport(dry_run=options.dry_run)
        self._columns: _Columns | None = None
        self._pending: list[_Row] = []
        self._rows = 0
        self._writes = BatchInFlight(uow.running)

    async def add(self, records: list[Record]) -> None:
        for record in records:
            if self._columns is None:
                self._columns = _Columns(record.fields)
                continue
            self._rows += 1
            try:
                self._pending.append(self._columns.row(record, self.account.default_country))
            except DomainError as error:
                self._invalid(record.line, self._columns.shown(record), error.message)
        if len(self._pending) >= BATCH:
            await self._submit()

    async def finish(self) -> ImportReport:
        if self._columns is None:
            raise UnreadableFile("The file is empty.")
        if not self._rows:
            raise UnreadableFile("The file has no rows below its header.")
        await self._submit()
        await self._writes.drain()
        return self.report

    async def _submit(self) -> None:
        batch, self._pending = self._pending, []
        if batch:
            await self._writes.submit(self._write(batch))

    def _invalid(self, line: int, value: str, message: str) -> None:
        self.report.invalid_count += 1
        if len(self.report.invalid) < MAX_REPORTED_INVALID:
            self.report.invalid.append(InvalidLine(line, value[:200], message))

    async def _write(self, batch: list[_Row]) -> None:
        rows = self._distinct(batch)
        if not rows:
            return
        opted_out = await opt_out_service.opted_out_anywhere(
            self.uow,
            self.account,
            [row.msisdn for row in rows if row.msisdn],
            [row.email for row in rows if row.email],
        )
        if opted_out:
            rows = await self._opted_out_rows(rows, opted_out)
        found = await contact_service.matches(self.uow, self.account, [(row.msisdn, row.email) for row in rows])
        new: list[ContactValues] = []
        changed: list[ContactValues] = []
        updating: set[UUID] = set()
        fresh = iter(ordered_uuids(len(rows) - len(found)))  # in the file's order
        for index, row in enumerate(rows):
            match = found.get(index)
            if match is None:
                new.append(row.values(next(fresh)))
            elif match[1] or match[0] in updating:  # made, or updated, by an earlier row of the file
                self.report.duplicates += 1
            else:
                updating.add(match[0])
                changed.append(row.values(match[0]))
        await contact_service.write_many(self.uow, self.actor, self.account, new=new, changed=changed, group=self.group)
        self.report.imported += len(new)
        self.report.updated += len(changed)

    def _distinct(self, rows: list[_Row]) -> list[_Row]:
        """The batch's rows but those repeating a number or address of an earlier row of it."""
        seen: set[str] = set()
        kept = []
        for row in rows:
            if (row.msisdn and row.msisdn in seen) or (row.email and row.email in seen):
                self.report.duplicates += 1
                continue
            seen.update(token for token in (row.msisdn, row.email) if token)
            kept.append(row)
        return kept

    async def _opted_out_rows(self, rows: list[_Row], opted_out: set[str]) -> list[_Row]:
        """Rows with an opted-out token: skipped, or, when the import resets opt-outs, opted back
        in (source IMPORT, the consent evidence on every event) and kept."""
        hit = [row for row in rows if row.msisdn in opted_out or row.email in opted_out]
        if not self.options.reset_opt_outs:
            self.report.skipped_opted_out += len(hit)
            return [row for row in rows if not (row.msisdn in opted_out or row.email in opted_out)]
        await opt_out_service.opt_in_many(
            self.uow,
            self.actor,
            self.account,
            [token for row in hit for token in (row.msisdn, row.email) if token in opted_out],
            source=OptOutSource.IMPORT,
            evidence=Evidence(consent_evidence=(self.options.consent_evidence or "").strip()),
        )
        self.report.reset += len(hit)
        return rows


async def import_contacts(
    uow: UnitOfWork,
    actor: Actor,
    account_id: UUID,
    options: ImportOptions,
    reader: DelimitedReader,
    chunks: AsyncIterable[bytes],
) -> ImportReport:
    """The whole import, in `uow` (discarded at its end for a dry run): from the HTTP route and
    from the command line alike."""
    actor.require(Role.WRITER, what="import contacts")
    account = await account_service.settings(uow, actor, account_id)
    group = None
    if options.group_id is not None:
        group = await group_service.get_in_account(uow, actor, account, options.group_id, field="groupId")
    job = ContactImport(uow, actor, account, group, options)
    await read_records(reader, chunks, job.add)
    report = await job.finish()
    if options.dry_run:
        uow.discard()
    return report
