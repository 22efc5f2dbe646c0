"""Follow Stoplist's live opt-out feed and never miss an event.

    pip install "gql[websockets]"
    STOPLIST_URL=ws://127.0.0.1:8000/graphql STOPLIST_API_KEY=sl_... python examples/subscribe.py

It stores the cursor of every event it has handled in a file (by default in your state folder,
~/.local/state/stoplist/, not beside the code) and, after a disconnect or a restart, resumes
after it: the server first replays what was missed, then continues live, with no gap and no
duplicate. Start it with --from-beginning once to go through all history first. Handle each
event (stop sending to that token on that channel) *before* its cursor is saved.

It says when it is connected, and retries a lost connection every 2 s; a key the server refuses
(unknown, revoked, expired) ends it with a message and exit status 2, as retrying cannot help.
"""

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from gql import Client, gql
from gql.transport.exceptions import TransportError, TransportServerError
from gql.transport.websockets import WebsocketsTransport

SUBSCRIPTION = gql("""
subscription Follow($after: String, $fromBeginning: Boolean, $channels: [Channel!]) {
  optOutEvents(after: $after, fromBeginning: $fromBeginning, channels: $channels) {
    cursor accountId token tokenType channel action source reason occurredAt
  }
}
""")


def handle(event: dict[str, str]) -> None:
    # Replace with what your gateway must do: add to / remove from its own suppression cache.
    verb = "stop" if event["action"] == "OPT_OUT" else "resume"
    print(f"{event['occurredAt']}  {verb} {event['channel']:8} to {event['token']}  ({event['source']})", flush=True)


class KeyRefused(Exception):
    pass


async def follow(url: str, key: str, cursor_file: Path, from_beginning: bool, channels: list[str] | None) -> None:
    while True:
        after = cursor_file.read_text().strip() if cursor_file.exists() else None
        transport = WebsocketsTransport(url=url, init_payload={"authorization": f"Bearer {key}"})
        try:
            async with Client(transport=transport) as session:
                start = f"after cursor {after}" if after else "from the beginning" if from_beginning else "from now"
                logging.info("connected to %s, following %s", url, start)
                variables = {"after": after, "fromBeginning": from_beginning and after is None, "channels": channels}
                async for result in session.subscribe(SUBSCRIPTION, variable_values=variables):
                    event = result["optOutEvents"]
                    handle(event)
                    cursor_file.write_text(event["cursor"])  # only once handled: at-least-once
        except TransportServerError:  # the connection_init refused: the key is not valid
            raise KeyRefused("the server refused the API key (--key or STOPLIST_API_KEY)") from None
        except (TransportError, OSError) as error:
            if _closed_with(error) == 4403:  # the key was revoked, or its rotation's grace ended
                raise KeyRefused("the server closed the connection: the API key was revoked or has expired") from None
            logging.warning("disconnected (%s); resuming in 2 s", error)
        await asyncio.sleep(2)


def _closed_with(error: BaseException) -> int | None:
    """The WebSocket close code behind a transport error, if the server closed the connection."""
    current: BaseException | None = error
    while current is not None:
        received = getattr(current, "rcvd", None)
        if received is not None:
            return int(received.code)
        current = current.__cause__ or current.__context__
    return None


def default_cursor_file() -> Path:
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "stoplist" / "subscribe.cursor"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("STOPLIST_URL", "ws://127.0.0.1:8000/graphql"))
    parser.add_argument("--key", default=os.environ.get("STOPLIST_API_KEY"), help="an API key (reader is enough)")
    parser.add_argument(
        "--cursor-file",
        type=Path,
        default=default_cursor_file(),
        help="where the last cursor is kept (default: %(default)s)",
    )
    parser.add_argument("--from-beginning", action="store_true", help="with no saved cursor, replay all history")
    parser.add_argument("--channel", action="append", dest="channels", help="only these channels (repeatable)")
    args = parser.parse_args()
    if not args.key:
        parser.error("give an API key with --key or STOPLIST_API_KEY")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.cursor_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(follow(args.url, args.key, args.cursor_file, args.from_beginning, args.channels))
    except KeyRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
