"""What the detect stage remembers of one brand between its windows."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from badbuzz.detectors.anomaly.watch import SeriesWatch
from badbuzz.detectors.enrichment.terms import TermBaseline
from badbuzz.vocabulary.context import SeriesPoint, Term
from badbuzz.vocabulary.records import WindowCount
from badbuzz.vocabulary.signals import Judgement, Signal


class BrandWatch:
    """A watch per signal, each signal's recent history (the incident's chart) and the brand's usual terms.

    Parameters
    ----------
    signals
        The signals to watch.
    make_watch
        Builds a fresh watch for a signal.
    history_size
        Windows of history kept per signal for the chart.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> from badbuzz.detectors.anomaly.robust_zscore import RobustZScore
    >>> def make_watch(signal):
    ...     return SeriesWatch(RobustZScore(grace_period=5), threshold=6.0, min_value=5)
    >>> brand = BrandWatch([Signal.VOLUME], make_watch, history_size=3)
    >>> t0 = datetime(2026, 11, 21, tzinfo=timezone.utc)
    >>> for minute, volume in enumerate([10, 11, 9, 10, 12, 10, 80]):
    ...     start = t0 + timedelta(minutes=minute)
    ...     window = WindowCount(brand="acme", start=start, end=start + timedelta(minutes=1), volume=volume,
    ...                          terms={"acme": volume, "#acmefail": 40 if volume > 50 else 0})
    ...     verdict = brand.observe(window)
    >>> verdict.judgements[Signal.VOLUME].anomalous, [term.term for term in verdict.emerging_terms]
    (True, ['#acmefail'])
    >>> [(point.value, point.anomalous) for point in brand.history(Signal.VOLUME)]
    [(12.0, False), (10.0, False), (80.0, True)]
    """

    def __init__(
        self,
        signals: Iterable[Signal],
        make_watch: Callable[[Signal], SeriesWatch],
        *,
        history_size: int = 180,
    ) -> None:
        self.signals = tuple(signals)
        self.history_size = history_size
        self.watches = {signal: make_watch(signal) for signal in self.signals}
        # Plain tuples: the whole watch is pickled into a changelog after every window.
        self._history: dict[Signal, deque[tuple[float, float, float, float, float, bool]]] = {
            signal: deque(maxlen=history_size) for signal in self.signals
        }
        self.terms = TermBaseline()
        self.dismissed: set[Signal] = set()

    def history(self, signal: Signal) -> tuple[SeriesPoint, ...]:
        """The signal's recent windows with their baseline band, oldest first: the incident's chart."""
        return tuple(
            SeriesPoint(
                start=datetime.fromtimestamp(start, UTC),
                value=value,
                usual=usual,
                usual_low=low,
                usual_high=high,
                anomalous=anomalous,
            )
            for start, value, usual, low, high, anomalous in self._history[signal]
        )

    def dismiss(self, signal: Signal) -> None:
        """Someone said the signal's alert is no crisis: learn its level until the alert is over."""
        self.dismissed.add(signal)

    def judge_partial(self, window: WindowCount, signals: Iterable[Signal]) -> BrandVerdict:
        """Judge ``window``, still open (``window.elapsed_seconds`` into it), on ``signals``: the verdict holds
        only the signals whose watch already opens an alert. Nothing is learnt nor added to the history."""
        seconds = window.elapsed_seconds
        if seconds is None:
            raise ValueError("a closed window is observed, not judged early")
        judgements = {}
        for signal in signals:
            watch = self.watches.get(signal)
            if watch is None or signal in self.dismissed:
                continue
            judgement = watch.judge_partial(
                signal.value_of(window),
                window.start,
                seconds,
                n=float(window.volume) if signal.is_share else None,
            )
            if judgement is not None:
                judgements[signal] = judgement
        emerging = self.terms.emerging(self._terms(window)) if judgements else []
        return BrandVerdict(judgements, tuple(emerging), self._usual_share(window))

    def _usual_share(self, window: WindowCount) -> float | None:
        watch = self.watches.get(Signal.NEGATIVE_SHARE)
        if watch is None:
            return None
        return watch.usual(Signal.NEGATIVE_SHARE.value_of(window), window.start, n=float(window.volume))[0]

    @staticmethod
    def _terms(window: WindowCount) -> dict[str, int]:
        # The brand's own name rises with every spike of it: it tells nothing.
        return {term: count for term, count in window.terms.items() if term.lstrip("#$@") != window.brand.lower()}

    def observe(self, window: WindowCount, *, relaxed: Collection[Signal] = ()) -> BrandVerdict:
        """Judge a window on every signal; ``relaxed`` signals (a campaign is on) learn whatever they see."""
        judgements = {}
        for signal, watch in self.watches.items():
            judgement = watch.observe(
                signal.value_of(window),
                window.start,
                n=float(window.volume) if signal.is_share else None,
                learn_anomalies=signal in relaxed or signal in self.dismissed,
            )
            if not judgement.alerting:
                self.dismissed.discard(signal)
            judgements[signal] = judgement
            self._history[signal].append(
                (
                    window.start.timestamp(),
                    judgement.value,
                    judgement.usual,
                    judgement.usual_low,
                    judgement.usual_high,
                    judgement.anomalous,
                )
            )
        terms = self._terms(window)
        emerging = self.terms.emerging(terms)
        # Like the watches, the terms of an anomalous window are not learnt: a crisis
        # hashtag keeps standing out for as long as the crisis lasts.
        if not any(judgement.anomalous for judgement in judgements.values()):
            self.terms.learn(terms)
        share = judgements.get(Signal.NEGATIVE_SHARE)
        return BrandVerdict(judgements, tuple(emerging), share.usual if share is not None else None)


@dataclass(frozen=True)
class BrandVerdict:
    """The judgements of one window of a brand, per signal, the terms that stood out, the usual negative share."""

    judgements: dict[Signal, Judgement]
    emerging_terms: tuple[Term, ...]
    usual_negative_share: float | None = None
