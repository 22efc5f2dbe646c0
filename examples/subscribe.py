"""Follow Stoplist's live opt-out feed and never miss an event.

    pip install "gql[websockets]"
    STOPLIST_URL=ws://127.0.0.1:8000/graphql STOPLIST_API_KEY=sl_... python examples/subscribe.py

It stores the cursor of every event it has handled in a file and, after a disconnect or a
restart, resumes after it: the server first replays what was missed, then continues live, with
no gap and no duplicate. Start it with --from-beginning once to go through all history first.
Handle each event (stop sending to that token on that channel) *before* its cursor is saved.
"""

import argparse
import asyncio
import logging
import os
from pathlib import Path

from gql import Client, gql
from gql.transport.exceptions import TransportError
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


async def follow(url: str, key: str, cursor_file: Path, from_beginning: bool, channels: list[str] | None) -> None:
    while True:
        after = cursor_file.read_text().strip() if cursor_file.exists() else None
        transport = WebsocketsTransport(url=url, init_payload={"authorization": f"Bearer {key}"})
        try:
            async with Client(transport=transport) as session:
                variables = {"after": after, "fromBeginning": from_beginning and after is None, "channels": channels}
                async for result in session.subscribe(SUBSCRIPTION, variable_values=variables):
                    event = result["optOutEvents"]
                    handle(event)
                    cursor_file.write_text(event["cursor"])  # only once handled: at-least-once
        except (TransportError, OSError) as error:
            logging.warning("disconnected (%s); resuming in 2 s", error)
        await asyncio.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("STOPLIST_URL", "ws://127.0.0.1:8000/graphql"))
    parser.add_argument("--key", default=os.environ.get("STOPLIST_API_KEY"), help="an API key (reader is enough)")
    parser.add_argument("--cursor-file", type=Path, default=Path("stoplist.cursor"))
    parser.add_argument("--from-beginning", action="store_true", help="with no saved cursor, replay all history")
    parser.add_argument("--channel", action="append", dest="channels", help="only these channels (repeatable)")
    args = parser.parse_args()
    if not args.key:
        parser.error("give an API key with --key or STOPLIST_API_KEY")
    logging.basicConfig(level=logging.INFO)
    asyncio.run(follow(args.url, args.key, args.cursor_file, args.from_beginning, args.channels))


if __name__ == "__main__":
    main()
