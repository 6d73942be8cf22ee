"""Drive wrk (Debian's package) and read its report: requests/s, p50/p99, errors."""

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LoadResult:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors + non-2xx/3xx answers: a run with errors is not a result

    def row(self, baseline: "LoadResult | None") -> str:
        ratio = (
            f"{self.requests_per_second / baseline.requests_per_second:.2f}" if baseline else "1.00"
        )
        return (
            f"| {self.name} | {self.requests_per_second:,.0f} | {ratio} | {self.p50_ms:.1f} "
            f"| {self.p99_ms:.1f} | {self.requests:,} | {self.errors} |"
        )


HEADER = (
    "| endpoint | requests/s | ratio to bare view | p50 ms | p99 ms | requests | errors |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk_parse(name: str, output: str) -> LoadResult:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M))

    def pct(key: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s|m)", latency[key]).groups()
        return _ms(value, unit)

    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(m.group(1))
    if m := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in m.groups())
    return LoadResult(name, rps, pct("50"), pct("99"), requests, errors)


def wrk_run(
    name: str, url: str, *, duration: int, connections: int, threads: int = 2, lua: str = ""
) -> LoadResult:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url]
    with tempfile.TemporaryDirectory() as tmp:
        if lua:
            script = Path(tmp) / "script.lua"
            script.write_text(lua)
            cmd[1:1] = ["-s", str(script)]
        output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return wrk_parse(name, output)
