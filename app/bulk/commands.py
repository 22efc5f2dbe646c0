"""`stoplist import optouts|contacts FILE`, `stoplist scrub FILE`, `stoplist export KIND`: the bulk
routes from the command line, either against a running server (`--server URL`, with an API key
from `--key` or STOPLIST_API_KEY) or straight on the database for an operator, who names the
organization (`--org`) instead. Both ways run the very code of the routes; a progress line shows
on a terminal only; reports go to stdout, files to `--output` or stdout."""

import argparse
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.enums import Channel, Purpose, TokenType
from app.errors import InvalidInput

EXPORT_KINDS = ("optouts", "history", "audience", "inbound")
FLAG = "a last column, opted_out (true, false or invalid)"
FORMATS = ("csv", "tsv", "ndjson", "xlsx")


@dataclass(frozen=True)
class Target:
    """Where a bulk command runs: a server and a key, or the database for an organization."""

    server: str | None
    key: str | None
    organization: str | None

    @property
    def remote(self) -> tuple[str, str] | None:
        """(server, key) when the command talks to a server."""
        return (self.server, self.key) if self.server is not None and self.key is not None else None


def target_of(args: argparse.Namespace) -> Target:
    if args.server:
        key = args.key or os.environ.get("STOPLIST_API_KEY")
        if not key:
            raise InvalidInput("--server needs an API key: --key, or STOPLIST_API_KEY in the environment.", field="key")
        return Target(server=args.server, key=key, organization=None)
    return Target(server=None, key=None, organization=args.org)


def _add_target(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--server", help="a running Stoplist, e.g. http://127.0.0.1:8000 (with --key)")
    where.add_argument("--org", help="or straight on the database: the organization (org_...)")
    parser.add_argument("--key", help="the API key for --server (default: STOPLIST_API_KEY)")


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoding", help="utf-8, utf-16 or latin-1 (default: detected)")
    parser.add_argument("--delimiter", help="comma, semicolon, tab or pipe (default: detected)")


def add_bulk_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    imports = commands.add_parser("import", help="bulk imports").add_subparsers(dest="action", required=True)
    optouts = imports.add_parser(
        "optouts", help="add every number or address of a file to an account's opt-out list (source UPLOAD)"
    )
    optouts.add_argument("file", help="a token a line, or a CSV with a phone, email or token column; - for stdin")
    optouts.add_argument("--account", required=True, help="the account (acc_...)")
    optouts.add_argument("--channel", required=True, action="append", choices=list(Channel), help="repeatable")
    optouts.add_argument("--reason", help="kept with every opt-out")
    contacts = imports.add_parser("contacts", help="import a CSV of contacts into an account's address book")
    contacts.add_argument("file", help="a CSV with a header row: phone, email, first_name, last_name, ...; - for stdin")
    contacts.add_argument("--account", required=True, help="the account (acc_...)")
    contacts.add_argument("--group", help="also add every imported contact to this group (grp_...)")
    contacts.add_argument(
        "--reset-opt-outs", action="store_true", help="opt rows that opted out back in (needs --consent-evidence)"
    )
    contacts.add_argument("--consent-evidence", help="how they consented again: kept on every opt-in")
    contacts.add_argument("--dry-run", action="store_true", help="report what the import would do; change nothing")
    for parser in (optouts, contacts):
        _add_target(parser)
        _add_file_options(parser)
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    scrub = commands.add_parser("scrub", help="a recipient file without (or flagging) its opted-out rows")
    scrub.add_argument("file", help="a CSV with a phone or e-mail column; - for stdin")
    scrub.add_argument("--account", required=True, help="the account (acc_...)")
    scrub.add_argument("--channel", required=True, choices=list(Channel), help="the channel the campaign is sent on")
    scrub.add_argument(
        "--mode", choices=["remove", "flag"], default="remove", help=f"remove opted-out rows, or flag each in {FLAG}"
    )
    scrub.add_argument("--column", help="the column to check (default: found by its name or what it holds)")
    scrub.add_argument("--output", "-o", help="write the file here (default: stdout)")
    _add_target(scrub)
    _add_file_options(scrub)

    export = commands.add_parser("export", help="stream an export to stdout or --output")
    export.add_argument("kind", choices=EXPORT_KINDS, help="what to export")
    export.add_argument("--account", help="the account (acc_...; optouts and history may leave it out)")
    export.add_argument("--format", choices=FORMATS, default="csv", help="the file's format")
    export.add_argument("--output", "-o", help="write the file here (default: stdout)")
    export.add_argument("--channel", choices=list(Channel), help="optouts, audience")
    export.add_argument("--token-type", choices=list(TokenType), help="optouts")
    export.add_argument("--since", help="history, inbound: from this time on (ISO 8601)")
    export.add_argument("--group", action="append", help="audience: a group (grp_...), repeatable")
    export.add_argument("--purpose", choices=list(Purpose), help="audience (default PROMOTIONAL)")
    export.add_argument("--needs-review", choices=["true", "false"], help="inbound")
    _add_target(export)


def route_params(args: argparse.Namespace) -> tuple[str, str, dict[str, str | list[str]]]:
    """The HTTP method, path and query parameters a bulk command's route takes."""
    names: dict[str, str] = {"account": "accountId", "encoding": "encoding", "delimiter": "delimiter"}
    if args.command == "import" and args.action == "optouts":
        method, path = "POST", "/imports/optouts"
        names |= {"channel": "channel", "reason": "reason"}
    elif args.command == "import":
        method, path = "POST", "/imports/contacts"
        names |= {"group": "groupId", "consent_evidence": "consentEvidence"}
    elif args.command == "scrub":
        method, path = "POST", "/scrub"
        names |= {"channel": "channel", "mode": "mode", "column": "column"}
    else:
        method, path = "GET", f"/exports/{args.kind}"
        names |= {
            "format": "format",
            "channel": "channel",
            "token_type": "tokenType",
            "since": "since",
            "group": "groupId",
            "purpose": "purpose",
            "needs_review": "needsReview",
        }
    params: dict[str, str | list[str]] = {
        name: value for option, name in names.items() if (value := getattr(args, option, None)) is not None
    }
    for flag, name in (("reset_opt_outs", "resetOptOuts"), ("dry_run", "dryRun")):
        if getattr(args, flag, False):
            params[name] = "true"
    return method, path, params


def print_report(report: dict[str, Any], *, as_json: bool, summary: Callable[[dict[str, Any]], str]) -> None:
    """A report as the route answers it: JSON, or a line of counts and the invalid lines."""
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(summary(report))
    for bad in report["invalid"]:
        print(f"  line {bad['line']}: {bad['message']}")


def opt_out_summary(report: dict[str, Any]) -> str:
    return (
        f"{report['optedOut']:,} opted out, {report['alreadyOptedOut']:,} already opted out, "
        f"{report['invalidCount']:,} invalid"
    )


def contact_summary(report: dict[str, Any]) -> str:
    text = (
        f"{report['imported']:,} imported, {report['updated']:,} updated, "
        f"{report['skippedOptedOut']:,} skipped as opted out, {report['reset']:,} opt-outs reset, "
        f"{report['duplicates']:,} duplicates, {report['invalidCount']:,} invalid"
    )
    return text + (" (dry run: nothing was changed)" if report["dryRun"] else "")
