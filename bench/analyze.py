"""Benchmark: `attune analyze` of a two-year couple chat, end to end and with the signals cached.

Generates (seeded) a two-person WhatsApp export, Android style (``dd/mm/yyyy, HH:MM - Name:
text``), spanning two years: a daily rhythm (busy mornings, lunchtimes and evenings, quiet nights),
exchanges of 2-30 messages separated by hours, bursts from one partner, and texts drawn and
recombined from a varied pool of couple-chat messages (logistics, news, feelings, questions,
affection, jokes, the odd conflict, emoji) plus the bundled sample chat's lines; a third or
more of the messages repeat a text said elsewhere ("ok", "love you", "omw"), as in real chats.
Then measures, each in a fresh subprocess so that peak memory (``ru_maxrss`` of that child) is
per stage:

* end to end: ``attune analyze chat.txt --json out.json --signals cache.jsonl`` with no cache
  (import, structure, encoder and heads, measures, JSON, cache written);
* measures alone: the same command again, the cache now present, so no model is loaded;
* a breakdown in one process: import (``read_conversation``), structure (exchanges, turns,
  annotate items), model load, signals (``Annotator.annotate``), measures (``measure_all``),
  JSON (``Analysis.json_chunks`` streamed to the file), and reading the cache the first run wrote.

Targets (the issue): 50,000 messages end to end in ≤ 60 s on 2 cores with peak memory ≤ 1 GB;
measures alone (signals cached) ≤ 5 s.

Usage: ``.venv/bin/python bench/analyze.py [--messages N] [--model DIR] [--keep DIR] [--seed N]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTNERS = ("Maya", "Jordan")
START = datetime(2023, 1, 2)  # a Monday
DAYS = 730
TARGET_MESSAGES = 50_000
TARGET_WALL_S, TARGET_PEAK_MB, TARGET_MEASURES_S = 60.0, 1024.0, 5.0

# Exact repeats, most frequent first (drawn with Zipf-like weights).
REPEATS = (
    "ok", "haha", "love you", "😂", "yeah", "ok x", "omw", "lol", "yes", "❤️", "thank you",
    "night x", "😂😂😂", "morning", "love you too", "x", "no", "sure", "hahaha", "home",
    "on my way", "okay", "yep", "miss you", "5 mins", "what time?", "where are you?", "same",
    "omg", "aww", "👍", "thanks x", "ok love you", "nope", "😘", "night night", "morning x",
    "coming", "here", "k", "nice", "yay", "🙄", "done", "all good", "sorry", "🥺", "cool",
    "love you ❤️", "fine", "xx", "hbu", "you ok?", "🥹", "ahh", "leaving now", "ty",
)  # fmt: skip
OPENERS = (
    "", "", "", "", "", "ok", "ok so", "so", "hey", "omg", "ugh", "babe", "honestly", "wait",
    "also", "btw", "quick one", "random q", "right", "hmm", "oh", "lol", "love",
)  # fmt: skip
TAILS = (
    "", "", "", "", "", "", " x", " xx", " 😂", " lol", "!!", " tbh", " 🙄", " ❤️", " haha",
    " 🥺", " ngl", "?", " 😅", " 🙏", " 😘", " omg", " 😭", "...", " 🤞", " 🫠", " 💀", " !!!",
    " rn", " pls", " 😍", " 🙃",
)  # fmt: skip
FILL: dict[str, tuple[str, ...]] = {
    "errand": ("grab milk", "pick up the parcel", "get bin bags", "drop the keys at your mum's",
               "collect the dry cleaning", "get something for pudding", "top up the meter",
               "pick up the prescription", "grab onions and a lemon", "return the library books"),
    "task": ("book the dentist", "call your mum", "pay the council tax", "renew the insurance",
             "feed the cat", "email the landlord", "order the birthday cake", "put the bins out",
             "text Priya back", "book the car in", "sort the recycling", "water the plants",
             "send the rent", "cancel the gym thing", "move the washing to the dryer"),
    "when": ("tonight", "after work", "on saturday", "before 6", "this weekend", "tomorrow",
             "at lunch", "on the way home", "later", "next week", "first thing", "on friday",
             "after the gym", "before your mum comes", "this evening", "in a bit", "on sunday"),
    "late": ("10 min", "20 min", "half an hour", "a bit", "so", "an hour", "5 min"),
    "excuse": ("the train is stuck", "meeting ran over", "traffic is mad", "Dan wanted a word",
               "I missed the bus", "the printer ate my slides", "parents' evening overran",
               "the tube is rammed", "I got talking to Priya", "had to wait for the plumber"),
    "item": ("milk", "bread", "onions", "wine", "bin bags", "eggs", "coffee",
             "the good soy sauce", "toilet roll", "oat milk", "pasta", "a lemon tart",
             "flowers for your mum", "batteries"),
    "food": ("pasta", "curry", "tacos", "soup", "dumplings", "pizza", "a stir fry", "jollof",
             "fish and chips", "ramen", "a roast", "leftovers", "sushi", "the lentil thing"),
    "place": ("work", "the gym", "your mum's", "the office", "school", "the market", "Leeds",
              "the dentist", "Priya's", "the station", "the garden centre", "football", "town"),
    "person": ("Priya", "Dan", "your mum", "my mum", "Tom", "Aisha", "Leo", "Jess", "my sister",
               "your brother", "the neighbour", "Alfie's mum", "Grandad", "the landlord", "Kai"),
    "news": ("I got the promotion", "the boiler is fixed", "Priya is pregnant",
             "they moved the launch again", "the cottage is free that weekend",
             "the car passed its MOT", "Tom and Jess split up", "school is shut on friday",
             "my sister is coming to stay", "the flat downstairs sold",
             "I ran 10k without stopping", "the landlord is putting the rent up",
             "Dan is leaving", "the tickets came through"),
    "adj": ("mad", "long", "actually fine", "a lot", "exhausting", "so boring", "weirdly good",
            "chaos", "rough", "quiet for once"),
    "feeling": ("nervous", "excited", "tired", "worried", "happy", "stressed", "hurt", "lonely",
                "overwhelmed", "proud", "anxious", "relieved", "flat", "wound up", "grateful"),
    "event": ("the interview", "the museum trip", "Priya's dinner", "the gig", "the scan",
              "parents' evening", "the presentation", "the match", "the wedding",
              "your mum's visit", "the launch", "the driving test", "the appraisal",
              "the house viewing"),
    "situation": ("you go quiet", "plans change last minute", "work takes over", "we don't talk",
                  "I'm the one sorting everything", "you check your phone at dinner",
                  "I don't hear from you all day", "we rush everything"),
    "thing": ("what you said last night", "the cottage", "the wedding", "the new job",
              "the holiday", "the flat", "money", "christmas plans", "your mum", "moving",
              "the kids thing", "my hours", "the car", "getting a dog"),
    "media": ("the baking show", "that documentary", "the new series", "the match",
              "the goose video", "what your mum posted", "the trailer", "the final"),
    "favour": ("dinner", "picking me up", "listening", "the flowers", "sorting the car",
               "last night", "the coffee", "covering for me", "being so patient",
               "making me laugh today"),
    "achievement": ("today", "the presentation", "sticking with it", "saying no to Dan",
                    "the run", "handling your mum", "finishing the shelf", "the interview"),
    "habit": ("check your phone at dinner", "leave the dishes", "forget the bins", "go quiet on me",
              "work late", "change plans last minute", "make jokes when I'm serious",
              "leave everything to me", "interrupt me"),
    "mistake": ("snapped at you", "forgot to call", "was late again", "rolled my eyes",
                "didn't text back", "made it about me", "was short with you"),
    "animal": ("the cat", "the goose", "the neighbour's dog", "a pigeon", "a squirrel",
               "the fox", "Alfie"),
    "action": ("just knocked a plant off the windowsill", "is staring at me again",
               "stole someone's sandwich", "chased me down the path", "sat on my laptop",
               "licked a display case", "fell in the pond", "is asleep in the laundry basket"),
    "silly": ("bookmark", "potato", "small horse", "wet sock", "goblin", "burrito", "raccoon"),
    "time": ("6", "6.30", "7", "7.30", "8", "half 5", "9", "noon", "10ish"),
    "day": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "body": ("back", "head", "knee", "throat", "ankle", "tooth"),
    "plan": ("get a takeaway", "go for a walk", "book the cottage", "see a film",
             "have people round", "do nothing at all", "go to the coast", "try the new café"),
}  # fmt: skip
POOL: dict[str, tuple[str, ...]] = {
    "logistics": (
        "can you {errand} {when}?", "I'm running {late} late, {excuse}", "do we need {item}?",
        "what time are you back from {place}?", "I'll get {item} on the way home",
        "did you {task}?", "can you remind me to {task} {when}", "{person} is coming {when}",
        "leaving {place} now", "train's at {time}, back by {time}", "dinner at {time}?",
        "don't forget to {task}", "I'm at {place}, want anything?", "who's doing {errand}?",
        "we're out of {item} again", "I'll {task} {when}, promise", "stuck at {place}, {excuse}",
        "can you {task}? I can't {when}", "home by {time}", "booked for {day} at {time}",
    ),
    "news": (
        "guess what, {news}", "{person} just told me {news}", "work was {adj} today",
        "just saw {person} at {place}", "{news}!!", "so {news}", "update: {news}",
        "today was {adj}. {person} was in a mood all day", "{person} says hi",
        "you won't believe this but {news}", "{place} was {adj}", "heard from {person}, {news}",
    ),
    "feelings": (
        "I'm so {feeling} about {event}", "feeling a bit {feeling} today", "I feel {feeling} when "
        "{situation}", "{event} has been weighing on me", "not gonna lie, I'm {feeling}",
        "I'm {feeling} and I don't really know why", "can't stop thinking about {thing}",
        "I just feel {feeling} about {thing}", "today I'm {feeling}. that's it, that's the update",
        "really {feeling} after {event}", "I think I'm just {feeling} about {thing}",
    ),
    "questions": (
        "how was {event}?", "what do you want for dinner, {food} or {food}?",
        "did you see {media}?", "are we still on for {event}?", "how's your {body}?",
        "should we {plan} {when}?",
        "what time is {event}?", "how did {event} go?", "what did {person} say?",
        "do you fancy {food} {when}?", "are you ok? you seemed {feeling} earlier",
        "how are you feeling about {event}?", "want to {plan} {when}?", "where did you put {item}?",
        "did {person} ever text you back?", "what are we doing {when}?",
    ),
    "affection": (
        "can't wait to see you {when}", "I miss you", "thank you for {favour}, it meant a lot",
        "proud of you for {achievement}", "lucky to have you", "you're the best",
        "thinking of you", "I love you so much", "good luck with {event}, you've got this",
        "sleep well, love you", "you looked so good this morning", "come home soon",
        "thank you for {favour}", "so proud of you for {achievement}, seriously",
        "I love you even when you {habit}", "best weekend, thank you",
    ),
    "jokes": (
        "{animal} {action}", "I'm basically a {silly}", "{person} {action}",
        "you'd have loved it, {animal} {action}", "new life goal: be {animal}",
        "{animal} has declared war on me", "I have become a {silly}", "this is why I love you",
        "your dumplings have character", "honestly a successful day by {place} standards",
        "that's not a cuisine that's a religion", "{person} is a {silly} and I stand by it",
    ),
    "conflict": (
        "you said you'd {task} and you didn't", "you always {habit}", "whatever, do what you want",
        "I'm not doing this over text", "can we talk about {thing} later?",
        "sorry I {mistake}, that wasn't fair", "I feel {feeling} when you {habit}",
        "fine.", "seriously?", "I'm not angry, I'm just tired of asking", "forget it",
        "why is it always me who has to {task}", "I'm sorry. I love you. can we start again?",
        "you could have just told me", "I did ask you to {task}", "ok. we'll talk {when}",
        "I know. I'm sorry I {mistake}", "it's not about {thing}, it's about you not listening",
    ),
}  # fmt: skip
MOODS = ("logistics", "news", "feelings", "questions", "affection", "jokes", "conflict")
# Which topics a part of the day brings up (weights in MOODS order).
MOOD_BY_HOUR = {
    "morning": (5, 2, 1, 3, 3, 1, 0.3),
    "day": (4, 3, 2, 3, 1, 2, 0.4),
    "evening": (3, 3, 3, 3, 3, 2, 0.6),
    "night": (1, 1, 3, 1, 4, 1, 0.6),
}
HOUR_WEIGHTS = (  # where exchanges start: quiet nights, busy mornings, lunch and evenings
    0.2, 0.08, 0.04, 0.03, 0.03, 0.06, 0.4, 2.5, 3.5, 2.0, 1.2, 1.2,
    2.8, 2.4, 1.2, 1.2, 1.6, 2.8, 3.2, 3.2, 3.2, 3.0, 2.6, 1.2,
)  # fmt: skip
SPECIAL = (  # (share, text): what a real export holds besides text
    (0.018, "<Media omitted>"),
    (0.002, "This message was deleted"),
)
HEADER = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more."
)


def sample_chat_texts() -> list[str]:
    """The bundled sample chat's single-line texts (the voice of a real couple chat)."""
    text = (ROOT / "src/attune/data/sample_chat.txt").read_text(encoding="utf-8")
    found = re.findall(r"^\d\d/\d\d/\d{4}, \d\d:\d\d - [^:\n]+: (.+)$", text, flags=re.M)
    return [t for t in found if "<Media omitted>" not in t]


class Texts:
    """Draws message texts: exact repeats, or a template filled and recombined."""

    def __init__(self, rng: random.Random, repeat_share: float = 0.28) -> None:
        self.rng = rng
        self.repeat_share = repeat_share
        self.repeat_weights = [1 / (k + 1) for k in range(len(REPEATS))]  # Zipf-like
        self.chat = sample_chat_texts()

    def fill(self, template: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.rng.choice(FILL[m.group(1)]), template)

    def varied(self, mood: str) -> str:
        rng = self.rng
        if rng.random() < 0.12:  # the sample chat's lines, re-used as themes recur
            text = rng.choice(self.chat)
        else:
            text = self.fill(rng.choice(POOL[mood]))
            opener = rng.choice(OPENERS)
            if opener and mood != "conflict":
                text = f"{opener} {text}" if rng.random() < 0.6 else f"{opener}, {text}"
        if rng.random() < 0.15:  # a second thought in the same message
            other = rng.choice(MOODS[:-1] if mood != "conflict" else MOODS)
            second = self.fill(rng.choice(POOL[other]))
            joint = rng.choice((". ", ". ", " - ", ". also ", "\n"))  # sometimes two lines
            text = f"{text.rstrip('.')}{joint}{second}"
        if mood != "conflict" or rng.random() < 0.3:
            text += rng.choice(TAILS)
        if rng.random() < 0.15:
            text = text[0].upper() + text[1:]
        return text

    def draw(self, mood: str) -> str:
        roll = self.rng.random()
        for share, special in SPECIAL:
            if roll < share:
                return special
            roll -= share
        if self.rng.random() < self.repeat_share:
            return self.rng.choices(REPEATS, weights=self.repeat_weights)[0]
        return self.varied(mood)


def _part_of_day(hour: int) -> str:
    if 5 <= hour < 11:
        return "morning"
    if 11 <= hour < 17:
        return "day"
    return "evening" if 17 <= hour < 23 else "night"


def generate(path: Path, messages: int = TARGET_MESSAGES, seed: int = 7) -> dict[str, float]:
    """Write a two-year, two-person Android export of exactly ``messages`` messages to ``path``;
    returns a few facts about it (exchanges, repeats, distinct texts)."""
    rng = random.Random(seed)
    texts = Texts(rng)
    sizes: list[int] = []  # exchanges of 2-30 messages, most short
    while sum(sizes) < messages:
        sizes.append(min(30, 2 + int(rng.expovariate(1 / 6.5))))
    sizes[-1] -= sum(sizes) - messages
    if sizes[-1] < 1:
        sizes.pop()
        sizes[-1] += messages - sum(sizes)

    # Busier and quieter days (weekends busier; a few near-silent days together or away).
    day_weights = []
    for d in range(DAYS):
        w = rng.gammavariate(2.0, 0.5) * (1.25 if (START + timedelta(d)).weekday() >= 5 else 1.0)
        day_weights.append(w * 0.05 if rng.random() < 0.03 else w)
    days = sorted(rng.choices(range(DAYS), weights=day_weights, k=len(sizes)))
    starts = sorted(
        START
        + timedelta(days=d, hours=rng.choices(range(24), weights=HOUR_WEIGHTS)[0])
        + timedelta(minutes=rng.randrange(60))
        for d in days
    )

    lines = [f"{START:%d/%m/%Y}, 08:00 - {HEADER}"]
    said: Counter[str] = Counter()
    now = START
    opener_bias = 0.56  # Maya opens a little more often
    for size, start in zip(sizes, starts, strict=True):
        when = max(start, now + timedelta(minutes=rng.uniform(35, 120)))
        part = _part_of_day(when.hour)
        mood = rng.choices(MOODS, weights=MOOD_BY_HOUR[part])[0]
        sender = 0 if rng.random() < opener_bias else 1
        for k in range(size):
            if k:
                if rng.random() < 0.62:  # a reply; otherwise a burst from the same partner
                    sender = 1 - sender
                    gap = rng.lognormvariate(4.2, 1.1)  # median ~1 min, a long tail
                else:
                    gap = rng.expovariate(1 / 25)
                when += timedelta(seconds=min(gap, 25 * 60))
            if mood == "conflict" and k >= size - 2 and size > 4:
                text = texts.draw(rng.choice(("affection", "conflict")))  # a repair, or not
            elif mood != "conflict" and rng.random() < 0.25:
                text = texts.draw(rng.choice(MOODS[:-1]))  # topics drift
            else:
                text = texts.draw(mood)
            said[text] += 1
            lines.append(f"{when:%d/%m/%Y, %H:%M} - {PARTNERS[sender]}: {text}")
        now = when
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    repeated = sum(n for n in said.values() if n > 1)
    return {
        "exchanges": len(sizes),
        "days": (now - START).days + 1,
        "distinct": len(said),
        "repeated_share": repeated / messages,
        "mb": path.stat().st_size / 2**20,
    }


def run_measured(command: list[str]) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB) of one fresh subprocess, and its stdout; exits if it fails."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        assert process.stdout is not None
        stdout = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            last = (errors.read().strip().splitlines() or [f"exit {process.returncode}"])[-1]
            sys.exit(f"{' '.join(command[2:4])} failed: {last}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


BREAKDOWN = """
import json, resource, sys, time
from pathlib import Path
t = time.perf_counter()
from attune.ingest import read_conversation
from attune.measures.analysis import Analysis, measure_all, signal_items
from attune.measures.exchanges import structure
from attune.present.analysis import cached_signals
from attune.present.jsonl import write_lines
from attune.signals.annotate import Annotator
times = {"python imports": time.perf_counter() - t}

def timed(label, f, *a):
    t = time.perf_counter()
    out = f(*a)
    times[label] = time.perf_counter() - t
    return out

chat, model, out, cache = (Path(a) for a in sys.argv[1:5])
conversation = timed("import", read_conversation, chat, "whatsapp")

def structure_and_items():
    struct = structure(conversation)
    return struct, signal_items(struct)

struct, items = timed("structure", structure_and_items)
annotator = timed("model load", Annotator.load, model)
records = timed("signals", annotator.annotate, items)
bids, metrics = timed("measures", measure_all, struct, records)
excluded = len(conversation.messages) - len(struct.messages)
metrics["structure"]["excluded_messages"] = excluded

def to_json():
    write_lines(Analysis(struct, records, bids, metrics, excluded).json_chunks(), out)

timed("JSON", to_json)
known = timed("cache read", cached_signals, cache, conversation)
print(json.dumps({
    "times": times,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "messages": len(struct.messages),
    "texts": len(Annotator.texts_to_encode(items)),
    "exchanges": len(struct.exchanges),
    "gap_min": struct.gap_s / 60,
    "cached": len(known),
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=TARGET_MESSAGES)
    parser.add_argument("--model", type=Path, help="a signals model folder (default: bundled)")
    parser.add_argument("--keep", type=Path, help="write the chat, JSON and cache here, and keep")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from attune.signals.model import PACKAGE_MODEL_DIR, cpu_count

    model_dir = args.model or PACKAGE_MODEL_DIR
    if not (model_dir / "encoder.onnx").is_file():
        where = "no bundled signals model" if args.model is None else f"no model in {model_dir}"
        sys.exit(f"{where}: run `make train`, or pass --model DIR")

    work = Path(tempfile.mkdtemp(prefix="attune-bench-"))
    folder = args.keep or work
    folder.mkdir(parents=True, exist_ok=True)
    try:
        chat, out, cache = folder / "chat.txt", folder / "out.json", folder / "cache.jsonl"
        facts = generate(chat, args.messages, args.seed)
        print(
            f"chat: {args.messages:,} messages over {facts['days']:.0f} days, "
            f"{facts['exchanges']:,.0f} exchanges, {facts['mb']:.1f} MB; "
            f"{facts['repeated_share']:.0%} of messages repeat a text said elsewhere, "
            f"{facts['distinct']:,.0f} distinct texts"
        )
        print(f"model: {model_dir}; cores: {cpu_count()}")

        analyze = [sys.executable, "-m", "attune", "analyze"]
        warm = work / "warm"
        warm.mkdir(exist_ok=True)
        sample = ROOT / "src/attune/data/sample_chat.txt"  # warms imports and the model file
        run_measured(
            [*analyze, str(sample), "--json", str(warm / "o.json"), "--model", str(model_dir)]
        )

        cache.unlink(missing_ok=True)
        command = [*analyze, str(chat), "--json", str(out), "--signals", str(cache)]
        command += ["--model", str(model_dir)]
        load_before = os.getloadavg()
        e2e = run_measured(command)
        analysed = len(json.loads(out.read_text(encoding="utf-8"))["messages"])
        cached = run_measured(command)  # the cache is there now: no model, no encoder
        breakdown = json.loads(
            run_measured(
                [sys.executable, "-c", BREAKDOWN, str(chat), str(model_dir),
                 str(work / "b.json"), str(cache)]
            )[3]
        )  # fmt: skip
        load_after = os.getloadavg()

        full = args.messages == TARGET_MESSAGES
        n = args.messages

        def verdict(ok: bool) -> str:
            return ("pass" if ok else "FAIL") if full else "(50k only)"

        rows = [
            (
                "end to end (no cache)",
                e2e[0],
                n / e2e[0],
                f"{e2e[2]:,.0f}",
                f"≤ {TARGET_WALL_S:.0f} s, ≤ {TARGET_PEAK_MB:,.0f} MB",
                verdict(e2e[0] <= TARGET_WALL_S and e2e[2] <= TARGET_PEAK_MB),
            ),
            (
                "measures alone (cached)",
                cached[0],
                n / cached[0],
                f"{cached[2]:,.0f}",
                f"≤ {TARGET_MEASURES_S:.0f} s",
                verdict(cached[0] <= TARGET_MEASURES_S),
            ),
        ]
        for label, seconds in breakdown["times"].items():
            rows.append((f"  {label}", seconds, n / seconds if seconds else 0.0, "", "", ""))
        rows.append(
            ("  (breakdown, one process)", sum(breakdown["times"].values()), 0.0,
             f"{breakdown['peak_mb']:,.0f}", "", "")
        )  # fmt: skip

        print(
            f"\n{analysed:,} messages analysed; {breakdown['texts']:,} distinct texts encoded; "
            f"{breakdown['exchanges']:,} exchanges (silence threshold "
            f"{breakdown['gap_min']:.0f} min)"
        )
        print(f"\n{'stage':<28}{'wall s':>8}{'msgs/s':>10}{'peak MB':>9}  {'target':<22}pass/fail")
        for label, wall, rate, peak, target, ok in rows:
            shown = f"{rate:>10,.0f}" if rate else f"{'':>10}"
            print(f"{label:<28}{wall:>8.2f}{shown}{peak:>9}  {target:<22}{ok}")
        print(
            f"\nCPU s: end to end {e2e[1]:.1f}, cached {cached[1]:.1f} "
            f"(wall x cores = {e2e[0] * cpu_count():.1f}, {cached[0] * cpu_count():.1f}); "
            f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
        )
        if load_before[0] > 1.0:
            print("NOTE: the machine was busy (load average > 1): times are inflated.")
        if not full:
            print(f"NOTE: the targets are for {TARGET_MESSAGES:,} messages.")
        print(
            "The breakdown's 'cache read' is part of the cached run; its 'measures' row is "
            "measure_all alone (bids, every measure, trends)."
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
