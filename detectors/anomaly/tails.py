"""Upper-tail probabilities of counts and proportions, as surprises (``-log10 p``).

A surprise of 3 is a one-in-a-thousand value under the model: adding surprises is multiplying
independent probabilities, and a surprise threshold is a false-alarm rate.
"""

from __future__ import annotations

import math

from scipy.special import betainc

#: The surprise given to a value the model says is impossible (p underflows to 0).
MAX_SURPRISE = 300.0


def surprise(p: float) -> float:
    """``-log10 p``, capped for underflows.

    >>> surprise(0.001), surprise(1.0), surprise(0.0)
    (3.0, 0.0, 300.0)
    """
    return MAX_SURPRISE if p <= 0.0 else min(MAX_SURPRISE, max(0.0, -math.log10(min(p, 1.0))))


def beta_binomial_upper_tail(successes: float, trials: float, share: float, concentration: float) -> float:
    """``P(K >= successes)`` out of ``trials`` when the share itself varies around ``share``.

    A beta-binomial, approximated by a binomial on ``trials`` shrunk to an effective size
    ``trials * concentration / (trials + concentration)``: the variance of the share is
    ``share (1 - share) / effective``, so small windows are noisy and large ones cannot claim
    more certainty than the share's own window-to-window variation allows.

    >>> round(beta_binomial_upper_tail(8, trials=10, share=0.3, concentration=1e9), 4)  # binomial
    0.0016
    >>> round(beta_binomial_upper_tail(8, trials=10, share=0.3, concentration=20), 3)
    0.011
    """
    if successes <= 0.0 or trials <= 0.0:
        return 1.0
    effective = trials * concentration / (trials + concentration)
    k = successes * effective / trials
    share = min(max(share, 1e-6), 1 - 1e-6)
    # Binomial upper tail P(K >= k) = I_share(k, n - k + 1), continuous in k and n.
    return float(betainc(k, max(effective - k + 1.0, 1e-9), share))


WEEK_SECONDS = 7 * 24 * 3600.0
#: How many windows a week may be this unlikely: the shipped false-alarm budget, about one a month per signal.
FALSE_ALARMS_PER_WEEK = 0.2


def surprise_threshold(window_seconds: float, false_alarms_per_week: float = FALSE_ALARMS_PER_WEEK) -> float:
    """The surprise a window needs so that, were the model right, alarms come this rarely.

    Shorter windows mean more windows a week, so each needs to be a little more surprising.

    >>> round(surprise_threshold(300), 2), round(surprise_threshold(60), 2)
    (4.0, 4.7)
    """
    return math.log10(WEEK_SECONDS / window_seconds / false_alarms_per_week)
