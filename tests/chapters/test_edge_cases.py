"""The `edge-cases` chapter: the neuron it gives the package checks its inputs (the main line's
read a dict by its keys); and the checks the chapter shows, which earlier chapters wrote, hold
from there on (a numpy bool, a string target, a missing value)."""

import math

import numpy as np
import pytest

from code_state import package_after

BEFORE, AFTER = package_after("speed"), package_after("edge-cases")


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


def test_the_checks_the_chapter_shows_are_the_packages():
    Value = AFTER.engine.Value
    with pytest.raises(
        TypeError, match=r"not a bool: for 0 or 1, pass float\(np.True_\)"
    ):
        Value(np.True_)
    with pytest.raises(TypeError, match="^target 0: a Value holds a real number"):
        AFTER.nn.bce_loss([Value(1.0)], ["a"])
    with pytest.raises(ValueError, match="^target 0 is nan"):
        AFTER.nn.mse_loss([Value(1.0)], [math.nan])
