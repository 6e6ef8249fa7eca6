"""The ``badbuzz`` command."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

cli = typer.Typer(help="badbuzz: catch a bad buzz within minutes.", no_args_is_help=True, add_completion=False)
console = Console()


@cli.command()
def demo(
    history_minutes: int = typer.Option(
        26 * 60, help="Minutes of past mentions sent first: the detectors learn a day before they judge."
    ),
    crisis_after: int = typer.Option(90, help="Seconds from the start of the live stream to the scripted crisis."),
    seed: int = typer.Option(7, help="Seed of the simulated stream."),
) -> None:
    """Run everything locally: embedded broker, a worker, the simulator and one scripted crisis."""
    from badbuzz.streams.tooling.demo import run_demo

    run_demo(
        history=timedelta(minutes=history_minutes),
        crisis_after=timedelta(seconds=crisis_after),
        seed=seed,
        console=console,
    )


@cli.command()
def worker(
    loglevel: str = typer.Option("info", help="Faust's log level."),
    quiet: bool = typer.Option(False, help="No start-up banner."),
) -> None:
    """Run a stream worker (as many as the topics have partitions share the work)."""
    from faust.worker import Worker
    from prometheus_client import disable_created_metrics

    from badbuzz.streams.config import Settings
    from badbuzz.streams.pipeline import build
    from badbuzz.streams.tooling.broker import ensure_topics
    from badbuzz.streams.topics import all_topics

    # A counter's creation time as a series of its own doubles what Prometheus stores, for nothing
    # here; prometheus-client only turns it off for the whole process, which is the worker's.
    disable_created_metrics()
    pipeline = build(Settings())
    ensure_topics(pipeline.settings, all_topics(pipeline.notifiers))
    # Incidents print on stdout: Faust must not turn it into log lines.
    Worker(pipeline.app, loglevel=loglevel, quiet=quiet, redirect_stdouts=False).execute_from_commandline()


@cli.command()
def broker(port: int = typer.Option(0, help="Port on 127.0.0.1; 0 picks a free one.")) -> None:
    """Run the embedded Kafka-protocol broker (Tansu, in memory) until Ctrl-C."""
    from badbuzz.streams.tooling.broker import EmbeddedBroker

    with EmbeddedBroker(port=port or None) as embedded:
        console.print(f"Embedded broker listening at {embedded.url}. For workers on it:")
        for name, value in embedded.env.items():
            console.print(f"  export {name}={value}")
        stopping = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
        signal.sigwait(stopping)


@cli.command()
def replay(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL, one mention per line."),
    speed: float = typer.Option(0.0, help="Time factor: 60 plays an hour in a minute; 0 as fast as possible."),
) -> None:
    """Send a JSONL file of mentions to the raw mentions topic."""
    from badbuzz.streams.config import Settings
    from badbuzz.streams.tooling.feed import MentionProducer, count_lines
    from badbuzz.streams.tooling.feed import replay as replay_lines
    from badbuzz.streams.topics import MENTIONS

    producer = MentionProducer(Settings().bootstrap_servers, MENTIONS)
    with Progress(console=console) as progress, file.open("rb") as lines:
        task = progress.add_task(f"Replaying {file.name}", total=count_lines(file))
        replay_lines(lines, producer, speed=speed, on_line=lambda: progress.advance(task))
    producer.close()


@cli.command()
def simulate(
    history_minutes: int = typer.Option(26 * 60, help="Minutes of past mentions sent first (a day: the warm-up)."),
    crisis_brand: str | None = typer.Option(None, help="A brand to script a crisis for."),
    crisis_after: int = typer.Option(90, help="Seconds from now to the crisis."),
    seed: int = typer.Option(7),
    out: Path | None = typer.Option(None, help="Write the history as JSONL here instead of sending it live."),
) -> None:
    """Send simulated mentions (history, then live) to the raw topic, or write history to a file."""
    from badbuzz.streams.config import Settings
    from badbuzz.streams.tooling.feed import MentionProducer
    from badbuzz.streams.tooling.feed import simulate as simulate_live
    from badbuzz.streams.tooling.simulator import Crisis, MentionSimulator, utc_now
    from badbuzz.streams.topics import MENTIONS

    now = utc_now().replace(microsecond=0)
    crisis = Crisis(brand=crisis_brand, starts_at=now + timedelta(seconds=crisis_after)) if crisis_brand else None
    simulator = MentionSimulator(crises=(crisis,) if crisis else (), seed=seed)
    history = timedelta(minutes=history_minutes)
    if out is not None:
        with out.open("w") as file:
            for mention in simulator.between(now - history, now):
                file.write(mention.model_dump_json() + "\n")
        return
    producer = MentionProducer(Settings().bootstrap_servers, MENTIONS)
    try:
        simulate_live(simulator, producer, history=history)
    except KeyboardInterrupt:
        pass
    finally:
        producer.close()


@cli.command()
def backtest(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A timestamp,value CSV or a JSONL of mentions."),
    labels: Path | None = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="labels_windows.json-style windows; anomaly points are read from labels_labels.json beside it.",
    ),
    window: int | None = typer.Option(None, min=1, help="Window seconds for mentions; default: the configured one."),
    detector: list[str] | None = typer.Option(None, help="Detector name (repeatable); default: the configured one."),
    out: Path = typer.Option(Path("backtest-report"), file_okay=False, help="Directory for the PNG and HTML reports."),
) -> None:
    """Run the detectors over history and write a report: volume, usual range, alerts, labelled windows."""
    from badbuzz.streams.config import Settings
    from badbuzz.streams.tooling.backtest import load_series, read_anomaly_points, read_label_windows, run_series
    from badbuzz.streams.tooling.backtest_report import summary_line, write_html, write_png

    settings = Settings()
    all_series = load_series(file, window_seconds=window or settings.window_seconds)
    windows = read_label_windows(labels) if labels is not None else {}
    points = read_anomaly_points(labels) if labels is not None else {}
    out.mkdir(parents=True, exist_ok=True)
    for name in detector or [settings.detector]:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{name} over {file.name}", total=sum(len(s.values) for s in all_series))
            runs = [
                run_series(
                    series,
                    detector=name,
                    windows=windows.get(series.name, []),
                    points=points.get(series.name, []),
                    on_window=lambda task=task: progress.advance(task),
                )
                for series in all_series
            ]
        for run in runs:
            console.print(f"[bold]{run.series.name}[/] ({name}): {summary_line(run)}")
        stem = f"{file.stem}-{name}"
        png = write_png(runs, name, out / f"{stem}.png")
        page = write_html(runs, name, out / f"{stem}.html")
        console.print(f"Report: {page} and {png}")


def main() -> None:
    from badbuzz.vocabulary.errors import BadbuzzError

    try:
        cli()
    except BadbuzzError as error:
        console.print(f"[bold red]badbuzz:[/] {error}")
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
