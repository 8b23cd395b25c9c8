"""`attune analyze` for real, in a subprocess, with the tiny signals model: the --json contract
(interfaces.md §3), the terminal summary, the signals cache, errors, and import → analyze."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.measures.helpers import cited_ids
from tests.signals.conftest import run_cli as _run_cli
from tests.signals.test_annotate import CONTRACT

SAMPLE = ROOT / "src" / "attune" / "data" / "sample_chat.txt"
ANNOTATE_FIELDS = tuple(CONTRACT)
GROUPS = (
    "engagement",
    "attunement",
    "vulnerability",
    "obstacles",
    "quality_time",
    "safety",
    "moments",
    "trends",
    "structure",
)
PAIR_MEASURES = {"emotional_synchrony", "language_style_matching"}  # one value for the couple


def run_cli(*args: str, model_dir: Path | None) -> subprocess.CompletedProcess[str]:
    """``attune`` in a subprocess; each run gets its own random hash seed, so two runs that must
    agree byte for byte also prove the output does not depend on set order."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PYTHONHASHSEED", raising=False)
        return _run_cli(*args, model_dir=model_dir)


def analyze(*args: str, model_dir: Path | None) -> subprocess.CompletedProcess[str]:
    result = run_cli("analyze", *args, model_dir=model_dir)
    assert result.returncode == 0, result.stderr
    return result


def write_chat(path: Path, rows: list[tuple[str, str, str]]) -> None:
    """A conversation as `attune import` writes it: (id, sender, text), a minute apart."""
    path.write_text(
        "".join(
            json.dumps({"id": i, "timestamp": f"2025-03-03T09:0{k}:00", "sender": s, "text": t})
            + "\n"
            for k, (i, s, t) in enumerate(rows)
        ),
        encoding="utf-8",
    )


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture(scope="module")
def sample_run(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample chat analysed once, with --json and a fresh --signals cache."""
    folder = tmp_path_factory.mktemp("analyze")
    out, cache = folder / "out.json", folder / "signals.jsonl"
    analyze(str(SAMPLE), "--json", str(out), "--signals", str(cache), model_dir=tiny_model_dir)
    return {"folder": folder, "out": out, "cache": cache}


def _measures(value: Any, path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every measure dict (one with a definition and a value) in the metrics."""
    if isinstance(value, Mapping):
        if "definition" in value and "value" in value:
            yield path, value
            return
        for key, item in value.items():
            yield from _measures(item, f"{path}.{key}" if path else key)


# --- the --json contract -------------------------------------------------------------------------


def test_json_has_participants_and_annotated_messages(sample_run: dict[str, Path]) -> None:
    doc = load(sample_run["out"])
    assert doc["participants"] == ["Maya", "Jordan"]  # most active first
    messages = doc["messages"]
    # 350 messages in the export: the encryption notice and the deleted message are left out
    assert len(messages) == 348
    assert doc["metrics"]["structure"]["excluded_messages"] == 2
    assert len({m["id"] for m in messages}) == len(messages)
    assert messages[0]["id"] == "m2"
    assert messages[0]["sender"] == "Jordan"
    assert messages[0]["timestamp"] == "2025-03-03T08:12:00"
    assert messages[0]["text"].startswith("morning 🌞 did you sleep ok?")
    for m in messages:
        assert m["sender"] in doc["participants"]
        assert isinstance(m["text"], str) and isinstance(m["timestamp"], str)
        missing = [f for f in ANNOTATE_FIELDS if f not in m]
        assert not missing, (m["id"], missing)
        assert isinstance(m["bid"], bool)
        assert m["bid_outcome"] in ("toward", "away", "against", None)
        assert (m["bid_outcome"] is None) == (not m["bid"]), m["id"]
        assert isinstance(m["exchange"], int)
    bids = sum(m["bid"] for m in messages)
    toward = sum(m["bid_outcome"] == "toward" for m in messages)
    turning = doc["metrics"]["engagement"]["turning_toward_rate"]
    assert turning["n"] == bids
    assert turning["details"]["outcomes"]["toward"] == toward
    assert sorted(turning["message_ids"]["counted"]) == sorted(
        m["id"] for m in messages if m["bid_outcome"] == "toward"
    )


def test_json_metrics_every_measure_complete(sample_run: dict[str, Path]) -> None:
    doc = load(sample_run["out"])
    metrics = doc["metrics"]
    assert set(GROUPS) <= set(metrics)
    known = {m["id"] for m in doc["messages"]}
    partners = set(doc["participants"])
    measures = dict(_measures(metrics))
    expected = {
        "engagement.turning_toward_rate",
        "engagement.emotional_responsiveness",
        "engagement.partner_questions",
        "engagement.active_listening",
        "engagement.empathy",
        "attunement.validation",
        "attunement.distress_met_with_care",
        "attunement.emotional_synchrony",
        "attunement.language_style_matching",
        "attunement.nonverbal_cues.reactions_given",
        "vulnerability.self_disclosure",
        "vulnerability.disclosure_reciprocity",
        "obstacles.horsemen",
        "obstacles.antidotes",
        "obstacles.positive_to_negative_ratio",
        "obstacles.repair_attempts",
        "obstacles.withdrawal",
        "quality_time.shared_plans",
        "quality_time.deep_conversations",
        "structure.initiative",
    }
    assert expected <= set(measures)
    for path, m in measures.items():
        assert isinstance(m["definition"], str) and m["definition"], path
        assert m["value"] is None or isinstance(m["value"], (int, float)), path
        assert isinstance(m["n"], int) and m["n"] >= 0, path
        assert isinstance(m["weekly"], list), path
        assert [w["week"] for w in m["weekly"]] == [
            "2025-W10",
            "2025-W11",
            "2025-W12",
            "2025-W13",
            "2025-W14",
        ], path
        if path.rsplit(".", 1)[-1] in PAIR_MEASURES:
            assert m["by_partner"] == {}, path
        else:
            assert set(m["by_partner"]) == partners, path
            assert all("value" in s and "n" in s for s in m["by_partner"].values()), path
        assert set(cited_ids(m)) <= known, path
    assert set(cited_ids(metrics)) <= known  # safety, moments, topics, change-point moments too
    assert metrics["structure"]["messages"] == {"Maya": 184, "Jordan": 164}
    assert metrics["structure"]["weeks"] == 5
    trends = metrics["trends"]
    assert "engagement.turning_toward_rate" in trends
    assert all(set(t) == {"direction", "change_points"} for t in trends.values())
    safety = metrics["safety"]
    assert "value" not in safety
    assert safety["explicit"] + safety["likely"] + safety["possible"] == len(safety["messages"])
    assert safety["flagged"] == (safety["explicit"] + safety["likely"] > 0)


def test_summary_without_json(tiny_model_dir: Path) -> None:
    result = analyze(str(SAMPLE), model_dir=tiny_model_dir)
    assert "Maya" in result.stdout and "Jordan" in result.stdout
    assert "Bids turned toward" in result.stdout
    assert "Traceback" not in result.stderr


# --- the signals cache ---------------------------------------------------------------------------


def test_the_cache_holds_every_analysed_message(sample_run: dict[str, Path]) -> None:
    doc = load(sample_run["out"])
    lines = sample_run["cache"].read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == [m["id"] for m in doc["messages"]]
    assert [r["text"] for r in records] == [m["text"] for m in doc["messages"]]
    assert all(f in r for r in records for f in ANNOTATE_FIELDS)


def test_a_missing_model_is_an_error_without_a_cache(tmp_path: Path) -> None:
    result = run_cli("analyze", str(SAMPLE), "--json", str(tmp_path / "o.json"), model_dir=tmp_path)
    assert result.returncode == 1
    assert "the signals model is not installed" in one_error_line(result.stderr)
    assert not (tmp_path / "o.json").exists()


def test_a_full_cache_needs_no_model(sample_run: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "again.json"
    analyze(
        str(SAMPLE),
        "--json",
        str(out),
        "--signals",
        str(sample_run["cache"]),
        model_dir=tmp_path / "no-model-here",
    )
    assert load(out) == load(sample_run["out"])


def test_a_cache_line_with_edited_text_is_recomputed(
    sample_run: dict[str, Path], tiny_model_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "signals.jsonl"
    lines = sample_run["cache"].read_text(encoding="utf-8").splitlines(keepends=True)
    record = json.loads(lines[5])
    original = record["text"]
    record["text"] = original + " (edited)"
    lines[5] = json.dumps(record, ensure_ascii=False) + "\n"
    cache.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out.json"
    # the edited line is not reused: the model is needed again
    result = run_cli(
        "analyze", str(SAMPLE), "--json", str(out), "--signals", str(cache), model_dir=tmp_path
    )
    assert result.returncode == 1
    assert "the signals model is not installed" in one_error_line(result.stderr)
    # with the model, that message is annotated afresh and the cache is put right
    analyze(str(SAMPLE), "--json", str(out), "--signals", str(cache), model_dir=tiny_model_dir)
    assert load(out) == load(sample_run["out"])
    assert json.loads(cache.read_text(encoding="utf-8").splitlines()[5])["text"] == original


def test_a_full_cache_needs_no_model_with_a_third_person(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    chat = tmp_path / "chat.jsonl"
    rows = [
        ("m1", "A", "I got the job!!"),
        ("m2", "C", "wrong chat sorry"),
        ("m3", "B", "no way!! tell me everything"),
        ("m4", "A", "starting in May"),
        ("m5", "B", "so proud of you"),
    ]
    write_chat(chat, rows)
    cache, first, second = tmp_path / "c.jsonl", tmp_path / "1.json", tmp_path / "2.json"
    analyze(str(chat), "--json", str(first), "--signals", str(cache), model_dir=tiny_model_dir)
    assert [m["id"] for m in load(first)["messages"]] == ["m1", "m3", "m4", "m5"]
    result = run_cli(
        "analyze", str(chat), "--json", str(second), "--signals", str(cache), model_dir=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert load(second) == load(first)


# --- errors --------------------------------------------------------------------------------------


def test_a_missing_file(tiny_model_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = run_cli("analyze", str(missing), model_dir=tiny_model_dir)
    assert result.returncode == 1
    assert one_error_line(result.stderr) == f"error: {missing}: no such file"


def test_a_chat_with_one_person(tiny_model_dir: Path, tmp_path: Path) -> None:
    solo = tmp_path / "solo.txt"
    solo.write_text(
        "03/03/2025, 08:12 - Jo: hello?\n03/03/2025, 08:13 - Jo: anyone\n", encoding="utf-8"
    )
    out = tmp_path / "out.json"
    result = run_cli("analyze", str(solo), "--json", str(out), model_dir=tiny_model_dir)
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "solo.txt" in line and "two people" in line
    assert not out.exists()


def test_a_corrupt_cache_line(
    tiny_model_dir: Path, tmp_path: Path, sample_run: dict[str, Path]
) -> None:
    cache = tmp_path / "signals.jsonl"
    lines = sample_run["cache"].read_text(encoding="utf-8").splitlines(keepends=True)
    cache.write_text(lines[0] + lines[1] + '{"id": "m4", "text": \n' + "".join(lines[3:]))
    out = tmp_path / "out.json"
    result = run_cli(
        "analyze",
        str(SAMPLE),
        "--json",
        str(out),
        "--signals",
        str(cache),
        model_dir=tiny_model_dir,
    )
    assert result.returncode == 1
    assert f"error: {cache}:3: not valid JSON" in one_error_line(result.stderr)
    assert not out.exists()


def test_html_report_is_offline_escaped_and_matches_the_json(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    chat = tmp_path / "chat.jsonl"
    rows = [
        ("m1", "Ana", "I got the job!! <script>alert(1)</script>"),
        ("m2", "Ben", "no way!! tell me everything"),
        ("m3", "Ana", "starting in May & I'm so happy"),
        ("m4", "Ben", "so proud of you"),
    ]
    write_chat(chat, rows)
    report, out = tmp_path / "r.html", tmp_path / "r.json"
    analyze(str(chat), "--html", str(report), "--json", str(out), model_dir=tiny_model_dir)
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert "<script" not in html  # message text is escaped, the report has no scripts
    assert "http://" not in html and "https://" not in html  # nothing is fetched
    assert "default-src 'none'" in html
    assert "Ana &amp; Ben" in html
    doc = load(out)
    turning = doc["metrics"]["engagement"]["turning_toward_rate"]
    assert turning["definition"].split("(")[0].strip() in html.replace("&#x27;", "'")


def test_safety_messages_are_shown_first_with_what_raised_them(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    chat = tmp_path / "chat.jsonl"
    write_chat(
        chat,
        [
            ("m1", "Ana", "where were you"),
            ("m2", "Ben", "give me your password <now>"),
            ("m3", "Ana", "no"),
        ],
    )
    report = tmp_path / "r.html"
    analyze(str(chat), "--html", str(report), model_dir=tiny_model_dir)
    html = report.read_text(encoding="utf-8")
    assert "Explicit signs" in html
    assert "give me your password &lt;now&gt;" in html  # the message itself, escaped
    assert "safety.control_monitoring" in html  # the rule that matched
    summary = analyze(str(chat), model_dir=tiny_model_dir).stdout
    shown = " ".join(summary.split())  # the terminal wraps long lines
    assert re.search(
        r"Ben \([a-z, ]*coercive control[a-z, ]*\): give me your password <now>", shown
    )


def test_possible_safety_signs_beyond_twenty_are_counted_not_listed() -> None:
    from attune.present.html_report import POSSIBLE_SHOWN, _safety_messages

    listed = [
        {"id": f"m{k}", "sender": "A", "text": f"text m{k}", "kinds": ["threat"],
         "evidence": "possible", "exchange": k, "words": {"threat": ["next time"]},
         "probability": 0.5 + k / 100}
        for k in range(POSSIBLE_SHOWN + 5)
    ]  # fmt: skip
    parts = "".join(_safety_messages({"messages": listed}))
    assert "text m24" in parts and "text m5" in parts  # the twenty the model is surest of
    assert "text m4" not in parts and "text m0" not in parts
    assert parts.index("text m24") < parts.index("text m5")  # surest first
    assert "and 5 more" in parts and "raised by: next time" in parts


def test_html_report_of_the_sample(tiny_model_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    result = analyze(str(SAMPLE), "--html", str(report), model_dir=tiny_model_dir)
    assert result.stdout == ""  # a file was asked for: no terminal summary
    html = report.read_text(encoding="utf-8")
    assert "Maya &amp; Jordan" in html and "Key measures" in html
    assert "<polyline" in html  # weekly sparklines over the sample's five weeks


# --- import → analyze, and transcripts -----------------------------------------------------------


def test_import_then_analyze_gives_the_same_analysis(
    sample_run: dict[str, Path], tiny_model_dir: Path, tmp_path: Path
) -> None:
    imported, out = tmp_path / "x.jsonl", tmp_path / "x.json"
    result = run_cli("import", str(SAMPLE), "--out", str(imported), model_dir=None)
    assert result.returncode == 0, result.stderr
    assert len(imported.read_text(encoding="utf-8").splitlines()) == 350
    analyze(str(imported), "--json", str(out), model_dir=tiny_model_dir)
    direct, again = load(sample_run["out"]), load(out)
    assert again["participants"] == direct["participants"]
    assert again["messages"] == direct["messages"]
    assert again["metrics"] == direct["metrics"]


def test_a_conversation_without_timestamps(tiny_model_dir: Path, tmp_path: Path) -> None:
    chat = tmp_path / "transcript.jsonl"
    rows = [
        ("A", "so how did it go"),
        ("B", "honestly? i'm scared I messed it up"),
        ("A", "oh love, that sounds so stressful"),
        ("B", "thank you"),
    ]
    chat.write_text(
        "".join(
            json.dumps({"id": f"t{k}", "timestamp": None, "sender": s, "text": t}) + "\n"
            for k, (s, t) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    analyze(str(chat), "--json", str(out), model_dir=tiny_model_dir)
    doc = load(out)
    assert doc["participants"] == ["A", "B"]
    assert [m["timestamp"] for m in doc["messages"]] == [None] * 4
    assert [m["exchange"] for m in doc["messages"]] == [0, 0, 0, 0]
    structure = doc["metrics"]["structure"]
    assert (structure["exchanges"], structure["turns"], structure["weeks"]) == (1, 4, 0)
    assert structure["first"] is None and structure["median_reply_latency_min"] is None
    assert doc["metrics"]["engagement"]["turning_toward_rate"]["weekly"] == []


def test_cached_signals_from_another_model_are_redone(tmp_path: Path) -> None:
    """A cache written by another model, by an older version without ``model``, or before any
    one artefact was refitted (the safety model alone, say) counts as stale; edited texts too."""
    from attune.present.analysis import cached_signals
    from attune.signals.model import ENCODER, model_fit
    from attune.signals.safety import SAFETY_MODEL
    from tests.measures.helpers import chat

    model = tmp_path / "model"
    model.mkdir()
    (model / SAFETY_MODEL).write_text("{}")
    assert model_fit(model) is None  # no encoder: the cache is taken as it is
    (model / ENCODER).write_bytes(b"onnx")
    fit = model_fit(model)
    conv = chat([(0, "A", "hello"), (1, "B", "hi"), (2, "A", "hey"), (3, "B", "yo")])
    cache = tmp_path / "signals.jsonl"
    records = [
        {"id": "m1", "text": "hello", "model": fit},
        {"id": "m2", "text": "hi"},
        {"id": "m3", "text": "hey", "model": "another"},
        {"id": "m4", "text": "yo, edited", "model": fit},
    ]
    cache.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert set(cached_signals(cache, conv, tmp_path / "no-model")) == {"m1", "m2", "m3"}
    assert set(cached_signals(cache, conv, model)) == {"m1"}
    (model / SAFETY_MODEL).write_text('{"refitted": true}')
    refitted = model_fit(model)
    assert refitted != fit
    assert set(cached_signals(cache, conv, model)) == set()
    # the fingerprint is remembered per file size and time; the same size rewritten is noticed
    (model / SAFETY_MODEL).write_text('{"refitted": "no"}')
    os.utime(model / SAFETY_MODEL, ns=(1, 1))
    assert model_fit(model) not in (fit, refitted)
