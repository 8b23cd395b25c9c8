"""Benchmark: importing a large WhatsApp export (speed on one core, and peak memory).

Generates a realistic export (two partners, multi-line messages, media placeholders, emoji,
system lines) into a temporary folder, then times, each in a fresh subprocess so that peak memory
figures do not mix:

* ``parse``: ``attune.ingest.read_conversation`` (read, decode, parse, sort/number);
* ``parse+jsonl``: the same plus writing the JSON Lines file (what ``attune import --out`` does);
* ``whatstk``: ``whatstk.WhatsAppChat.from_source`` on the same file, when whatstk is installed
  (``pip install whatstk``, or the ``bench`` extra).

Usage: ``.venv/bin/python bench/import_whatsapp.py [--lines N] [--style android|ios] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
from datetime import datetime, timedelta
from pathlib import Path

PARTNERS = ("Alex Morgan", "Sam 🌙")
SHORT = (
    "ok",
    "haha",
    "yes!",
    "love you ❤️",
    "on my way",
    "😂😂😂",
    "good morning ☀️",
    "night night 😴",
    "did you eat?",
    "miss you",
    "sure",
    "👍",
    "what time?",
    "lol",
    "thank you 🙏",
)
LONG = (
    "can you pick up some milk on the way home? we're out again",
    "I had the weirdest dream last night, you were a chef on a boat",
    "meeting ran over, sorry!! be home by 7 I promise",
    "did you see what your mum sent in the family group 😅",
    "I think we should book the cottage for the long weekend, thoughts?",
    "work was rough today. can we just order pizza and watch something silly",
    "remember to call the landlord about the boiler, it's making that noise again",
    "proud of you for today, seriously. you handled that so well",
    "running 10 min late, the train is stuck outside the station 🙄",
    "that new café on the corner does amazing croissants, we have to go saturday",
)
SYSTEM = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more.",
    "Your security code with Sam 🌙 changed. Tap to learn more.",
    "Alex Morgan changed their phone number to a new number. Tap to message or add the new number.",
)


def _stamp(when: datetime, style: str) -> str:
    if style == "ios":
        hour = when.hour % 12 or 12
        half = "AM" if when.hour < 12 else "PM"
        return f"[{when:%d/%m/%Y}, {hour}:{when:%M:%S}\u202f{half}] "
    return f"{when:%d/%m/%Y, %H:%M} - "


def generate(path: Path, lines: int, style: str = "android", seed: int = 7) -> int:
    """Write an export of exactly ``lines`` lines to ``path``; returns the number of messages."""
    rng = random.Random(seed)
    when = datetime(2019, 3, 1, 8, 0, 0)
    out: list[str] = []
    written = messages = 0
    while written < lines:
        gap = rng.expovariate(1 / 150) if rng.random() < 0.97 else rng.uniform(3600, 40000)
        when += timedelta(seconds=int(gap) + 1)
        stamp = _stamp(when, style)
        roll = rng.random()
        if roll < 0.0005:
            body = SYSTEM[rng.randrange(len(SYSTEM))]
            out.append(stamp + ("Sam 🌙: \u200e" + body if style == "ios" else body))
            written += 1
            messages += 1
            continue
        name = PARTNERS[rng.random() < 0.48]
        if roll < 0.03:
            text = "\u200eimage omitted" if style == "ios" else "<Media omitted>"
        elif roll < 0.035:
            file = f"IMG-{when:%Y%m%d}-WA{rng.randrange(10000):04d}.jpg"
            text = (
                f"\u200e<attached: {rng.randrange(10**8):08d}-PHOTO-{when:%Y-%m-%d-%H-%M-%S}.jpg>"
                if style == "ios"
                else f"{file} (file attached)"
            )
        elif roll < 0.038:
            text = (
                "\u200eThis message was deleted." if style == "ios" else "This message was deleted"
            )
        elif roll < 0.13:
            parts = [LONG[rng.randrange(len(LONG))] for _ in range(rng.randint(2, 4))]
            parts = parts[: max(1, min(len(parts), lines - written))]
            text = "\n".join(parts)
        elif roll < 0.5:
            text = SHORT[rng.randrange(len(SHORT))]
        else:
            text = LONG[rng.randrange(len(LONG))]
            if rng.random() < 0.01:
                text += " <This message was edited>"
        lead = "\u200e" if style == "ios" and text.startswith("\u200e") else ""
        out.append(f"{lead}{stamp}{name}: {text}")
        written += text.count("\n") + 1
        messages += 1
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return messages


_ATTUNE = """
import resource, sys, time
from pathlib import Path
from attune.ingest import read_conversation
wall, cpu = time.perf_counter(), time.process_time()
conversation = read_conversation(sys.argv[1], "whatsapp")
if sys.argv[2] == "jsonl":
    from attune.present.jsonl import write_jsonl
    write_jsonl(conversation, Path(sys.argv[3]))
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(wall, cpu, len(conversation.messages), peak)
"""

_WHATSTK = """
import resource, sys, time, warnings
warnings.filterwarnings("ignore")
from whatstk import WhatsAppChat
wall, cpu = time.perf_counter(), time.process_time()
try:
    chat = WhatsAppChat.from_source(filepath=sys.argv[1], max_size=None)
except TypeError:  # whatstk before the max_size argument
    chat = WhatsAppChat.from_source(filepath=sys.argv[1])
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(wall, cpu, len(chat.df), peak)
"""

Row = tuple[float, float, int, float]
"""Wall seconds, CPU seconds, messages read, peak resident MB."""


CPU = "0"


def _run(code: str, *args: str) -> Row | str:
    """Run a measurement in a fresh interpreter pinned to one core where the OS allows it."""
    command = [sys.executable, "-c", textwrap.dedent(code), *args]
    if sys.platform.startswith("linux") and shutil.which("taskset"):
        command = ["taskset", "-c", CPU, *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        return lines[-1] if lines else f"exit status {done.returncode}"
    wall, cpu, count, peak = done.stdout.split()
    return float(wall), float(cpu), int(count), float(peak)


def _best(runs: list[Row | str]) -> Row | str:
    """The fastest run by CPU time (other processes on the machine only ever add time)."""
    good = [run for run in runs if not isinstance(run, str)]
    return min(good, key=lambda run: run[1]) if good else runs[0]


def _whatstk_installed() -> bool:
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('whatstk') is None)"
    return subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--style", choices=("android", "ios"), default="android")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    parser.add_argument("--keep", type=Path, help="write the generated export here and keep it")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--cpu", default="0", help="the core to pin measurements to (Linux)")
    args = parser.parse_args()
    global CPU
    CPU = args.cpu

    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        export = folder / f"whatsapp_{args.style}_{args.lines}.txt"
        messages = generate(export, args.lines, args.style)
        size_mb = export.stat().st_size / 2**20
        print(
            f"export: {args.lines:,} lines, {messages:,} messages, {size_mb:.1f} MB ({args.style})"
        )

        rows: dict[str, Row | str] = {}
        jsonl = str(Path(tmp) / "out.jsonl")
        for label, code, extra in (
            ("attune parse", _ATTUNE, ("parse", "")),
            ("attune parse+jsonl", _ATTUNE, ("jsonl", jsonl)),
        ):
            rows[label] = _best([_run(code, str(export), *extra) for _ in range(args.repeat)])
        if _whatstk_installed():
            rows["whatstk from_source"] = _best([_run(_WHATSTK, str(export))])
        else:
            rows["whatstk from_source"] = "not installed (pip install whatstk)"

        print(
            f"\n{'tool':<21}{'wall s':>8}{'cpu s':>8}{'lines/s (cpu)':>15}"
            f"{'messages/s':>12}{'messages':>10}{'peak MB':>9}"
        )
        for label, row in rows.items():
            if isinstance(row, str):
                print(f"{label:<21}{row}")
                continue
            wall, cpu, count, peak = row
            print(
                f"{label:<21}{wall:>8.2f}{cpu:>8.2f}{args.lines / cpu:>15,.0f}"
                f"{count / cpu:>12,.0f}{count:>10,}{peak:>9.0f}"
            )
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
