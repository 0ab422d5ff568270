"""The `edge-cases` chapter: what it makes the package refuse, and say, that the main line
let through (a numpy bool, a dict of inputs, a string target, a missing value)."""

import math

import numpy as np
import pytest

from code_state import package_after

BEFORE, AFTER = (
    package_after("speed"),
    package_after("edge-cases"),
)  # just before, after


def test_a_numpy_bool_gets_the_message_for_bools_only_after_the_chapter():
    with pytest.raises(TypeError, match="got bool np.True_"):
        BEFORE.engine.Value(np.True_)
    with pytest.raises(
        TypeError, match=r"not a bool: for 0 or 1, pass float\(np.True_\)"
    ):
        AFTER.engine.Value(np.True_)


def test_a_dict_of_inputs_was_read_by_its_keys_and_now_is_refused():
    for package in BEFORE, AFTER:
        package.nn.random.seed(0)
    before, after = BEFORE.nn.Neuron(2), AFTER.nn.Neuron(2)
    keys_as_inputs = {1.0: 5.0, 2.0: 6.0}
    assert before(keys_as_inputs).data == before([1.0, 2.0]).data  # silently wrong
    with pytest.raises(
        TypeError, match=r"keys would be read: pass list\(x.values\(\)\)"
    ):
        after(keys_as_inputs)


@pytest.mark.parametrize(
    "bad, mentions",
    [
        ({1.0, 2.0}, "keeps no order"),
        ("12", "convert it to numbers first"),
        ((x for x in [1.0, 2.0]), "has no length"),
        ([1.0, "2"], "input 1: a Value holds a real number"),
    ],
)
def test_the_chapters_neuron_refuses_inputs_of_the_wrong_kind(bad, mentions):
    with pytest.raises(TypeError, match=mentions):
        AFTER.nn.Neuron(2)(bad)


def test_the_chapters_neuron_takes_what_the_main_lines_did_and_any_bare_number():
    AFTER.nn.random.seed(1)
    neuron = AFTER.nn.Neuron(2)
    x = [0.5, -1.0]
    assert neuron(np.array(x)).data == neuron(tuple(x)).data == neuron(x).data
    single = AFTER.nn.Neuron(1)
    assert single(np.float32(0.5)).data == single(0.5).data == single([0.5]).data


def test_a_string_target_is_named_and_a_missing_one_refused_only_after_the_chapter():
    Value = AFTER.engine.Value
    with pytest.raises(TypeError, match="'<=' not supported"):  # Python's own message
        BEFORE.nn.bce_loss([BEFORE.engine.Value(1.0)], ["a"])
    with pytest.raises(TypeError, match="^target 0: a Value holds a real number"):
        AFTER.nn.bce_loss([Value(1.0)], ["a"])
    assert math.isnan(BEFORE.nn.mse_loss([BEFORE.engine.Value(1.0)], [math.nan]).data)
    with pytest.raises(ValueError, match="^target 0 is nan"):
        AFTER.nn.mse_loss([Value(1.0)], [math.nan])
