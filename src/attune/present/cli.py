"""The ``attune`` command line: tidy subcommands over the same core the web app uses."""

from __future__ import annotations

import sys
import time
from importlib.resources import as_file, files
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from attune.errors import AttuneError
from attune.ingest import FORMATS, ImportOptions, read_conversation
from attune.present.jsonl import write_jsonl, write_lines
from attune.present.summary import print_summary

app = typer.Typer(
    name="attune",
    help="Read a couple's chats, measure engagement and attunement, and coach — all offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stdout = Console()
stderr = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per error

FORMAT_HELP = "auto|" + "|".join(FORMATS) + " (see `attune formats`)"
SAMPLE_CHAT = "sample_chat.txt"


def _parse_columns(spec: str | None) -> dict[str, str]:
    """``"sender=From,text=Body"`` → ``{"sender": "From", "text": "Body"}``."""
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        field_name, sep, column = part.partition("=")
        if not sep or not field_name.strip() or not column.strip():
            raise AttuneError(f"--columns: expected FIELD=COLUMN pairs, got {part!r}")
        mapping[field_name.strip()] = column.strip()
    return mapping


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A chat export: file, WhatsApp .zip, or folder.")],
    format: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "auto",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write JSON Lines here (default: stdout).")
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Print who, how much, when, and what was skipped.")
    ] = False,
    tz: Annotated[
        str | None, typer.Option(help="Zone for exports that store instants (default: local).")
    ] = None,
    chat: Annotated[
        str | None, typer.Option(help="Which chat of a multi-chat export (name or id).")
    ] = None,
    me: Annotated[
        str | None, typer.Option(help="Your name, for exports that only say 'me' (SMS, iMessage).")
    ] = None,
    date_order: Annotated[
        str | None, typer.Option(help="WhatsApp date order: dmy, mdy or ymd (default: inferred).")
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(help="CSV/JSONL mapping, e.g. 'timestamp=Date,sender=From,text=Body'."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding, when the export is not UTF-8/UTF-16.")
    ] = None,
) -> None:
    """Read a chat export and write one normalised message per line (JSON Lines).

    With --summary and no --out, only the summary is printed."""
    options = ImportOptions(
        tz=tz, chat=chat, me=me, date_order=date_order, columns=_parse_columns(columns)
    )
    conversation = read_conversation(file, format, options, encoding=encoding)
    if summary and out is None:
        print_summary(conversation, stdout)
        return
    write_jsonl(conversation, out)
    if summary:
        print_summary(conversation, stdout)


@app.command()
def formats() -> None:
    """List the export formats Attune reads."""
    for name, fmt in sorted(FORMATS.items()):
        stdout.print(f"[bold]{name:<12}[/bold] {fmt.description}")


@app.command()
def demo() -> None:
    """Run Attune on its bundled sample conversation."""
    with as_file(files("attune.data").joinpath(SAMPLE_CHAT)) as sample:
        conversation = read_conversation(sample, "whatsapp")
    conversation.source = f"bundled sample ({SAMPLE_CHAT})"
    stdout.rule("Attune demo — import")
    print_summary(conversation, stdout)
    from attune.present.analysis import run_analysis
    from attune.present.analysis_summary import print_analysis

    stdout.rule("Attune demo — analysis")
    with _LazyProgress(stderr, "reading signals") as progress:
        analysis = run_analysis(conversation, progress=progress)
    print_analysis(analysis.summary(), stdout)


@app.command()
def annotate(
    in_: Annotated[
        Path,
        typer.Option(
            "--in", help='JSON Lines, one {"id", "text", "context"?, "sender"?} per line.'
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write JSON Lines here (default: stdout).")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            help="A signals model folder (default: $ATTUNE_MODEL_DIR, else the bundled one)."
        ),
    ] = None,
) -> None:
    """Annotate each message with per-message signals (emotions, listening, empathy, validation,
    horsemen, repair, safety …), one JSON line per input line, same order and ids."""
    from attune.signals.annotate import Annotator
    from attune.signals.jsonl import read_items, record_lines

    progress = _LazyProgress(stderr, "annotating")  # the clock starts now
    items = read_items(in_)
    annotator = Annotator.load(model)
    with progress:
        write_lines(record_lines(annotator.annotate_iter(items, progress=progress)), out)


@app.command()
def analyze(
    file: Annotated[
        Path, typer.Argument(help="A chat export, or a conversation written by `attune import`.")
    ],
    format: Annotated[str, typer.Option("--format", "-f", help=FORMAT_HELP)] = "auto",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full analysis as JSON here.")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write a self-contained, offline HTML report here."),
    ] = None,
    signals: Annotated[
        Path | None,
        typer.Option(
            help="Per-message signals cache (JSON Lines): reused where ids and texts match "
            "and this model wrote it, written after a run."
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(help="A signals model folder (default: $ATTUNE_MODEL_DIR, else bundled)."),
    ] = None,
    tz: Annotated[
        str | None, typer.Option(help="Zone for exports that store instants (default: local).")
    ] = None,
    me: Annotated[
        str | None, typer.Option(help="Your name, for exports that only say 'me' (SMS, iMessage).")
    ] = None,
) -> None:
    """Measure engagement and attunement: bids and their outcomes, listening, empathy,
    validation, synchrony, style matching, disclosure, horsemen and repair — per partner and per
    week, each with the messages behind it."""
    from attune.present.analysis import run_analysis

    conversation = read_conversation(file, format, ImportOptions(tz=tz, me=me))
    progress = _LazyProgress(stderr, "reading signals")
    with progress:
        analysis = run_analysis(conversation, model=model, cache=signals, progress=progress)
    if json_out is not None:
        write_lines(analysis.json_chunks(), json_out)
    if html is not None:
        from attune.present.html_report import render

        write_lines([render(analysis.summary())], html)
    if json_out is None and html is None:
        from attune.present.analysis_summary import print_analysis

        print_analysis(analysis.summary(), stdout)


class _LazyProgress:
    """A Rich progress bar on stderr that appears only once a run has taken over a second."""

    def __init__(self, console: Console, label: str, delay: float = 1.0) -> None:
        self.console, self.label, self.delay = console, label, delay
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> _LazyProgress:
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if not self.console.is_terminal or time.monotonic() - self.started < self.delay:
                return
            self.bar = Progress(
                console=self.console, transient=True, redirect_stdout=False, redirect_stderr=False
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        if self.task is not None:
            self.bar.update(self.task, completed=done, total=total)
            if done >= total:  # encoding is over: the bar goes before any output is written
                self.bar.stop()
                self.task = None

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def main() -> None:
    """Entry point: a product error is one line on stderr and a non-zero exit, never a traceback."""
    try:
        app()
    except AttuneError as exc:
        stderr.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        stderr.print("interrupted", markup=False)
        sys.exit(130)
    except Exception as exc:  # a bug: still one line, never a traceback
        stderr.print(f"internal error: {type(exc).__name__}: {exc} (please report)", markup=False)
        sys.exit(70)
