"""The ingest part of `python -m bench --only telegram` (bench/telegram.py): distinct Telegram
updates POSTed with wrk to a bot's webhook, against the bare Django view in the same run, and
afterwards every 200 checked for its stored event and task ("none lost")."""

import json
import time

from bench.telegram import Bot, Updates, tmp_path

# --- ingest (wrk) --------------------------------------------------------------------------

INGEST_LUA = """
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
local bodies = {}
local i = 0
function init(args)
  local n = 0
  for line in io.lines("%(data)s") do
    if n %% %(threads)d == tid - 1 then
      bodies[#bodies + 1] = line
    end
    n = n + 1
  end
end
request = function()
  i = i %% #bodies + 1
  local headers = {["Content-Type"] = "application/json",
                   ["X-Telegram-Bot-Api-Secret-Token"] = "%(secret)s"}
  return wrk.format("POST", "%(path)s", headers, bodies[i])
end
"""


def _ingest_counts(bot: Bot, first_update: int, last_update: int) -> tuple[int, int]:
    """(events, queued processing tasks) of the run's updates."""
    from django_tasks_db.models import DBTaskResult

    from kazan.channels.models import InboundEvent

    ids = [
        pk
        for pk, message_id in InboundEvent.objects.filter(
            provider="telegram", provider_message_id__startswith=f"{bot.bot_id}:"
        ).values_list("pk", "provider_message_id")
        if first_update <= int(message_id.split(":")[1]) <= last_update
    ]
    tasks = DBTaskResult.objects.filter(
        task_path="kazan.channels.tasks.inbound_process", args_kwargs__args__0__in=ids
    )
    return len(ids), tasks.count() if ids else 0


def _ingest_cleanup(bot: Bot) -> None:
    """The run's unprocessed events and their tasks go: the later scenarios' workers must not
    spend their time on 50,000 greetings."""
    from django_tasks_db.models import DBTaskResult

    from kazan.channels.models import InboundEvent

    DBTaskResult.objects.filter(task_path="kazan.channels.tasks.inbound_process").delete()
    InboundEvent.objects.filter(
        provider="telegram", provider_message_id__startswith=f"{bot.bot_id}:", status="received"
    ).delete()


def ingest_run(bot: Bot, *, base: str, duration: int, connections: int) -> None:
    from bench.wrk import HEADER, wrk_run

    threads = 2
    count = max(40_000, duration * 5_000)
    updates = Updates()
    first = updates.next_id + 1
    path = tmp_path("updates.jsonl")
    with path.open("w") as out:
        for n in range(count):
            chat = 6_000_000_000 + n % 50_000
            out.write(json.dumps(updates.text(chat, f"Hello, is my order ready? #{n}")) + "\n")
    last = updates.next_id
    lua = INGEST_LUA % {
        "data": path,
        "threads": threads,
        "path": bot.hook_path,
        "secret": bot.secret,
    }
    run = {"duration": duration, "connections": connections, "threads": threads}
    bare = wrk_run("bare Django view (baseline)", f"{base}/bench/bare", **run)
    hook = wrk_run(
        "Telegram update POST /hooks/telegram/<key>/ (secret checked, stored, queued, 200)",
        f"{base}{bot.hook_path}",
        lua=lua,
        **run,
    )
    path.unlink()
    time.sleep(1)
    events, tasks = _ingest_counts(bot, first, last)
    _ingest_cleanup(bot)
    answered = hook.requests - hook.errors
    print(f"## Telegram updates ingested ({connections} connections, {duration} s)\n")
    print(HEADER)
    print(bare.row(None))
    print(hook.row(bare))
    print()
    print("| measure | value |\n| --- | ---: |")
    print(f"| distinct updates prepared | {count:,} |")
    print(f"| answered 200 | {answered:,} |")
    print(f"| events stored | {events:,} |")
    print(f"| processing tasks queued with them | {tasks:,} |")
    print(f"| lost (answered 200, no event) | {max(0, answered - events):,} |")
    if hook.requests > count:
        print(
            f"| updates sent twice (data wrapped; dropped as redeliveries) | "
            f"{hook.requests - count:,} |"
        )
    print()
