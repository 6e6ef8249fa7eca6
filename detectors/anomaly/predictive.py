"""river's PredictiveAnomalyDetection behind the unsupervised protocol the watch speaks."""

from __future__ import annotations

from river import anomaly, linear_model, optim, preprocessing, time_series
from river.base import AnomalyDetector

from badbuzz.detectors.anomaly.seasonal import DAY


def _season(window_seconds: float) -> int:
    return max(1, round(DAY / window_seconds))


class ForecastSurprise(AnomalyDetector):
    """How far a value falls from a forecaster's one-step forecast (river's predictive detection).

    Wraps :class:`river.anomaly.PredictiveAnomalyDetection`, which is a supervised detector
    (``score_one(x, y)``), so that it reads ``x["value"]`` like every detector here. Its score is
    the squared forecast error over ``mean + n_std × std`` of past squared errors, capped at 1.

    Parameters
    ----------
    forecaster
        ``"snarimax"`` or ``"holt_winters"``: both with a daily season.
    window_seconds
        The time between two values, which sets the season's length in steps.
    n_std
        Standard deviations of the squared error that make a score of 1.
    warm_up
        Seconds of data learnt before anything scores.

    Examples
    --------
    Holt-Winters and SNARIMAX (seasonal ARIMA with exogenous inputs, fitted by SGD) alike:

    >>> import random
    >>> for forecaster in ("holt_winters", "snarimax"):
    ...     rng = random.Random(42)
    ...     detector = ForecastSurprise(forecaster, window_seconds=3600)
    ...     for _ in range(24 * 7):
    ...         x = {"value": rng.gauss(100, 5)}
    ...         _ = detector.score_one(x)
    ...         detector.learn_one(x)
    ...     print(forecaster, detector.score_one({"value": 100}) < 1.0, detector.score_one({"value": 300}))
    holt_winters True 1.0
    snarimax True 1.0
    """

    def __init__(
        self, forecaster: str = "snarimax", window_seconds: float = 60.0, n_std: float = 3.0, warm_up: float = DAY
    ) -> None:
        self.forecaster = forecaster
        self.window_seconds = window_seconds
        self.n_std = n_std
        self.warm_up = warm_up
        season = _season(window_seconds)
        if forecaster == "snarimax":
            model = time_series.SNARIMAX(
                p=2,
                d=0,
                q=1,
                m=season,
                sp=1,
                regressor=preprocessing.StandardScaler() | linear_model.LinearRegression(optimizer=optim.SGD(0.005)),
            )
        elif forecaster == "holt_winters":
            model = time_series.HoltWinters(alpha=0.3, beta=0.01, gamma=0.1, seasonality=season)
        else:
            raise ValueError(f"unknown forecaster {forecaster!r}; choose snarimax or holt_winters")
        # river's own warm-up only has to cover the forecaster's first season; ours (in time) is longer.
        self.pad = anomaly.PredictiveAnomalyDetection(model, horizon=1, n_std=n_std, warmup_period=season + 1)
        self.n_seen = 0

    def learn_one(self, x: dict) -> None:
        self.pad.learn_one(None, float(x["value"]))
        self.n_seen += 1

    def score_one(self, x: dict) -> float:
        # river forecasts before checking its warm-up, and Holt-Winters cannot forecast before a full season.
        if self.pad.iter < self.pad.warmup_period:
            return 0.0
        # Scoring is also how river learns the spread of its errors: score during our warm-up too.
        score = self.pad.score_one(None, float(x["value"]))
        return 0.0 if self.n_seen * self.window_seconds < self.warm_up else score
