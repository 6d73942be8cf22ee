"""Inbound webhook: Twilio SMS posted to POST /hooks/twilio/inbound the way Twilio posts it.

N distinct messages (unique MessageSid, Twilio's documented inbound payload) are signed exactly
as Twilio signs them (`RequestValidator.compute_signature` over PUBLIC_URL + path + the
parameters, with the business installation's auth token) and written to a data file that wrk's
threads share out (thread k sends every k-th line, so no body is sent twice unless the run
outlasts the data). After the run the stored events of this run are counted: every request
answered 200 must have its event and its processing task ("none lost").

This is the core's generic path: the Twilio view only verifies and parses; storing and queueing
is `channels.services.inbound_store` (one `InboundEvent` insert with its `inbound_process` task,
channels/ingest.py) that every channel's webhook uses. No worker runs during the measurement:
the queued tasks are deleted afterwards so later scenarios' workers do not process them.
"""

import json
import secrets
import tempfile
import time
import urllib.parse
from pathlib import Path

from django.conf import settings
from twilio.request_validator import RequestValidator

from bench.wrk import HEADER, wrk_run
from kazan.channels.models import ChannelInstallation, InboundEvent
from kazan.channels.queries import address_index
from kazan.tenancy.models import Business

PATH = "/hooks/twilio/inbound"
NUMBER = "+15005550199"  # the bench café's own Twilio number
TOKEN = "bench-auth-token-0123456789abcdef"
TASK_PATH = "kazan.channels.tasks.inbound_process"
FIXTURE = Path(settings.BASE_DIR) / "kazan/channels/providers/twilio/fixtures/inbound_text.json"

LUA = """
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
      local tab = string.find(line, "\\t", 1, true)
      bodies[#bodies + 1] = {string.sub(line, 1, tab - 1), string.sub(line, tab + 1)}
    end
    n = n + 1
  end
end
request = function()
  i = i %% #bodies + 1
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                   ["X-Twilio-Signature"] = bodies[i][1]}
  return wrk.format("POST", "%(path)s", headers, bodies[i][2])
end
"""


def _installation(business: Business) -> None:
    """The café's own Twilio number, connected (the routing look-up finds it)."""
    ChannelInstallation.objects.update_or_create(
        business=business,
        provider="twilio",
        address_index=address_index(NUMBER),
        defaults={
            "channel": "sms",
            "status": ChannelInstallation.Status.ACTIVE,
            "credentials": json.dumps({"account_sid": "AC" + "0" * 32, "auth_token": TOKEN}),
            "config": {"from_number": NUMBER},
        },
    )


def _bodies(path: Path, *, count: int, run: str) -> None:
    """`count` signed Twilio posts, one per line: signature TAB form body."""
    base = json.loads(FIXTURE.read_text())["params"]
    validator = RequestValidator(TOKEN)
    url = settings.PUBLIC_URL + PATH
    with path.open("w") as out:
        for n in range(count):
            sid = f"SM{run}{n:024x}"
            params = {
                **base,
                "MessageSid": sid,
                "SmsSid": sid,
                "SmsMessageSid": sid,
                "To": NUMBER,
                "From": f"+49151{n % 10_000_000:08d}",
                "Body": f"Thanks, see you Friday! #{n}",
            }
            signature = validator.compute_signature(url, params)
            out.write(f"{signature}\t{urllib.parse.urlencode(params)}\n")


def _stored(run: str) -> tuple[int, int]:
    """(events, queued tasks) of this run."""
    from django_tasks_db.models import DBTaskResult

    events = InboundEvent.objects.filter(
        provider="twilio", provider_message_id__startswith=f"SM{run}"
    )
    ids = list(events.values_list("pk", flat=True))
    tasks = DBTaskResult.objects.filter(task_path=TASK_PATH, args_kwargs__args__0__in=ids)
    return len(ids), tasks.count() if ids else 0


def _cleanup(run: str) -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(task_path=TASK_PATH).delete()
    InboundEvent.objects.filter(provider_message_id__startswith=f"SM{run}").delete()


def webhook_run(business: Business, *, base: str, duration: int, connections: int) -> None:
    threads = 2
    count = max(40_000, duration * 5_000)
    run = secrets.token_hex(4)
    _installation(business)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bodies.tsv"
        _bodies(data, count=count, run=run)
        generated = time.monotonic() - started
        lua = LUA % {"data": data, "threads": threads, "path": PATH}
        run_args = {"duration": duration, "connections": connections, "threads": threads}
        bare = wrk_run("bare Django view (baseline)", f"{base}/bench/bare", **run_args)
        hook = wrk_run(
            "Twilio inbound SMS POST /hooks/twilio/inbound (verify, store, queue, 200)",
            f"{base}{PATH}",
            lua=lua,
            **run_args,
        )
    time.sleep(1)  # requests still in flight when wrk stopped
    events, tasks = _stored(run)
    _cleanup(run)
    answered = hook.requests - hook.errors
    lost = max(0, answered - events)
    print(f"## Inbound webhook ({connections} connections, {duration} s; msg/s = requests/s)\n")
    print(HEADER)
    print(bare.row(None))
    print(hook.row(bare))
    print()
    print("| measure | value |\n| --- | ---: |")
    print(f"| distinct signed messages prepared (in {generated:.1f} s) | {count:,} |")
    print(f"| answered 200 | {answered:,} |")
    print(f"| events stored | {events:,} |")
    print(f"| processing tasks queued with them | {tasks:,} |")
    print(f"| lost (answered 200, no event) | {lost:,} |")
    if hook.requests > count:
        wrapped = hook.requests - count
        print(f"| bodies sent twice (data wrapped; dropped as retries) | {wrapped:,} |")
    print()
