from __future__ import annotations

from badbuzz.detectors.enrichment.reach import ReachModel
from badbuzz.vocabulary.records import Author, Platform
from tests.detectors.factories import mention


def test_reach_grows_with_audience_and_stays_within_bounds():
    model = ReachModel()
    weights = [model.weight(mention("hi", followers=f)) for f in (0, 10, 1_000, 10**6, 10**10)]
    assert weights == sorted(weights)
    assert weights[0] == 1.0 and weights[-1] == model.max_reach


def test_replies_reach_less_and_reposts_as_much_as_posts_by_default():
    model = ReachModel()
    post = model.weight(mention("hi", followers=50_000))
    assert model.weight(mention("hi", followers=50_000, is_reply=True)) == post * model.reply_factor
    assert model.weight(mention("hi", followers=50_000, is_repost=True)) == post


def test_platforms_left_out_use_the_default_fraction():
    model = ReachModel(fractions={Platform.TIKTOK: 1.0}, default_fraction=0.01)
    assert model.weight(mention("hi", followers=1_000, platform=Platform.TIKTOK)) == 1_000
    assert model.weight(mention("hi", followers=1_000, platform=Platform.REDDIT)) == 10


def test_an_audience_beyond_float_range_is_capped_not_an_overflow():
    # Validation refuses such counts; a mention built in code still gets a weight, not an OverflowError.
    huge = mention("hi", followers=1).model_copy(
        update={"author": Author.model_construct(handle="a", followers=10**400)}
    )
    assert ReachModel().weight(huge) == ReachModel().max_reach
