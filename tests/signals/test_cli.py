"""`attune annotate` for real, in a subprocess: JSON Lines in and out, errors, and no network."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from attune.signals.annotate import GOEMOTIONS
from tests.signals.conftest import needs_real_model, run_cli

MESSAGES = [
    {"id": "m1", "text": "did you get the tickets?", "sender": "Alex"},
    {"id": "m2", "text": "no 😬 they sold out", "context": ["did you get the tickets?"]},
    {"id": 3, "text": "you never plan anything", "context": ["a", "no 😬 they sold out"]},
    {"id": "m4", "text": "whatever", "context": None, "sender": None},
    {"id": "m5", "text": "ok"},
    {"id": "m6", "text": "ok"},
]

# Aborts the interpreter on any attempt to resolve a name or open a connection.
NO_NETWORK = """
import os, sys
def guard(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname",
                 "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg"):
        sys.stderr.write(f"network attempt: {event} {args!r}\\n")
        sys.stderr.flush()
        os._exit(99)
sys.addaudithook(guard)
sys.argv = ["attune", *sys.argv[1:]]
if sys.argv[1] == "--probe":
    import socket
    socket.getaddrinfo("example.com", 443)
from attune.present.cli import main
main()
"""


def write_input(path: Path, rows: list[object] | None = None, raw: str | None = None) -> Path:
    if raw is None:
        raw = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows or MESSAGES)
    path.write_text(raw, encoding="utf-8")
    return path


def test_annotate_to_a_file(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    result = run_cli("annotate", "--in", str(source), "--out", str(out), model_dir=tiny_model_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [m["id"] for m in MESSAGES]
    assert all(list(r["emotions"]) == list(GOEMOTIONS) for r in records)
    assert records[2]["horseman"] == "criticism"
    assert records[3]["horseman"] == "stonewalling"
    assert {**records[4], "id": 0} == {**records[5], "id": 0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]  # no temp left


def test_annotate_to_stdout_skips_blank_lines(tiny_model_dir: Path, tmp_path: Path) -> None:
    raw = '\ufeff{"id": 1, "text": "hi"}\n\n   \n{"id": 2, "text": "hey ❤️"}'
    source = write_input(tmp_path / "in.jsonl", raw=raw)
    result = run_cli("annotate", "--in", str(source), model_dir=tiny_model_dir)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 2]


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ('{"id": 1, "text": "ok"}\n{"id": 2, "text": "ok"\n', r"in\.jsonl:2: not valid JSON"),
        ('{"id": 1, "text": "ok"}\n\n{"id": 3}\n', r'in\.jsonl:3: no "text"'),
        ('{"text": "ok"}\n', r'in\.jsonl:1: no "id"'),
        ('["ok"]\n', r"in\.jsonl:1: expected a JSON object per line"),
        ('{"id": 1, "text": 5}\n', r'in\.jsonl:1: "text" must be a string'),
        ('{"id": 1, "text": "ok", "context": "hi"}\n', r'in\.jsonl:1: "context" must be a list'),
        ('{"id": 1, "text": "ok", "context": [1]}\n', r'in\.jsonl:1: "context" must be a list'),
        ('{"id": 1, "text": "ok", "sender": 7}\n', r'in\.jsonl:1: "sender" must be a string'),
    ],
)
def test_malformed_lines_are_one_line_errors(
    tiny_model_dir: Path, tmp_path: Path, raw: str, error: str
) -> None:
    source = write_input(tmp_path / "in.jsonl", raw=raw)
    out = tmp_path / "out.jsonl"
    result = run_cli("annotate", "--in", str(source), "--out", str(out), model_dir=tiny_model_dir)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert re.search(error, result.stderr), result.stderr
    assert not out.exists()


def test_not_utf8(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "caf\xe9"}\n')
    result = run_cli("annotate", "--in", str(source), model_dir=tiny_model_dir)
    assert result.returncode == 1
    assert "in.jsonl:2: not UTF-8 text" in result.stderr


def test_missing_input_and_missing_model(tmp_path: Path) -> None:
    result = run_cli("annotate", "--in", str(tmp_path / "nope.jsonl"), model_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.jsonl'}: no such file"
    source = write_input(tmp_path / "in.jsonl")
    result = run_cli("annotate", "--in", str(source), model_dir=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "encoder.onnx: the signals model is not installed" in result.stderr


def test_model_option(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl")
    result = run_cli(
        "annotate", "--in", str(source), "--model", str(tiny_model_dir), model_dir=None
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(MESSAGES)


def test_the_guard_would_catch_a_network_attempt(tmp_path: Path) -> None:
    result = run_cli("--probe", model_dir=None, code=NO_NETWORK)
    assert result.returncode == 99
    assert "network attempt: socket.getaddrinfo" in result.stderr


def test_annotate_attempts_no_network_connection(tiny_model_dir: Path, tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    result = run_cli(
        "annotate",
        "--in",
        str(source),
        "--out",
        str(out),
        model_dir=tiny_model_dir,
        code=NO_NETWORK,
    )
    assert result.returncode == 0, result.stderr
    assert "network attempt" not in result.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(MESSAGES)


@needs_real_model
def test_shipped_model_attempts_no_network_connection(tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl")
    result = run_cli("annotate", "--in", str(source), model_dir=None, code=NO_NETWORK)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(MESSAGES)
