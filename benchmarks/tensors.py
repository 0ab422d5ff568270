"""Time the demo step with the scalar engine, micrograd.tensor, PyTorch and hand-written numpy.

    python benchmarks/tensors.py [--rounds N]

The demo step is the one of benchmarks/compare.py: MLP(2, [16, 16, 1]) on 100 two-moons
points, hinge loss + 1e-4 * L2, forward, backward and an update of every parameter. All four
libraries run in this one process, on the same data and the same initial weights, taking
turns round after round, so that a machine that slows down slows all of them; the script
checks that they compute the same losses and the same 337 first-step gradients, and exits
with status 1 if they do not. Every library computes on a single thread.

Then, to show why the ranking of Tensor and PyTorch depends on the size of the arrays: the
cost of one operation on one-element tensors, and the same step on more points and on wider
layers, until PyTorch is the faster. PyTorch is optional: without it, its columns are left
out, with a note.
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

# Every library computes on one thread: the comparison is of the libraries, not of how their
# thread pools share the cores with each other and with whatever else runs (on a busy
# machine, two spinning threads can make a step several times slower). The variables must
# be set before numpy (and its BLAS) is loaded.
for variable in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]:
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(
    0, str(REPOSITORY)
)  # this repository's micrograd, as the chapters made it

# The demo step of compare.py, beside this script: the same settings, the same machine line.
from compare import ALPHA, DEMO_WIDTHS, N_POINTS, NOISE, SEED, machine  # noqa: E402

from micrograd.datasets import make_moons  # noqa: E402
from micrograd.nn import MLP, hinge_loss, l2_penalty  # noqa: E402
from micrograd.tensor import Tensor  # noqa: E402

try:
    import torch
except ImportError:
    torch = None
else:
    torch.set_num_threads(1)

# A step changes the parameters, so that every round times real training steps; these are
# the demo's learning rates, which also make the losses of the first steps worth comparing.
CHECKED_STEPS = 3
REL_TOL = 1e-9
ABS_TOL = 1e-12
TARGET_SPEEDUP = 300
TARGET_NUMPY_RATIO = 3
POINTS_SWEEP = [100, 400, 1600, 3200, 6400, 12800, 25600]
WIDTH_SWEEP = [16, 64, 256, 1024]


def learning_rate(k):
    return 1.0 - 0.9 * (k % 100) / 100


# --- The four implementations of one step ------------------------------------------------


class ScalarStep:
    """The demo step with micrograd.engine.Value, as the training chapter writes it."""

    name = "Value"

    def __init__(self, model, X, y):
        self.model, self.X, self.y, self.k = model, X, y, 0

    def __call__(self):
        scores = [self.model(x) for x in self.X]
        loss = hinge_loss(scores, self.y) + ALPHA * l2_penalty(self.model.parameters())
        self.model.zero_grad()
        loss.backward()
        self.gradients = [p.grad for p in self.model.parameters()]
        for p in self.model.parameters():
            p.data -= self.rate(self.k) * p.grad
        self.k += 1
        return loss.data


def layers_of(model):
    """Each layer's weights (a row per input, a column per neuron) and biases, as arrays."""
    return [
        (
            np.array([[w.data for w in n.w] for n in layer.neurons]).T,
            np.array([n.b.data for n in layer.neurons], dtype=float),
        )
        for layer in model.layers
    ]


def in_scalar_order(gradients):
    """[(dW, db), ...] flattened as model.parameters() lists them: neuron by neuron."""
    return [
        float(g)
        for dW, db in gradients
        for j in range(dW.shape[1])
        for g in [*dW[:, j], db[j]]
    ]


def hinge_l2_loss(layers, X, y):
    """The step's loss, written once for micrograd.tensor and PyTorch alike."""
    h = X
    for k, (W, b) in enumerate(layers):
        h = h @ W + b
        if k < len(layers) - 1:
            h = h.relu()
    data_loss = (1 - y * h.reshape(-1)).relu().mean()
    return data_loss + ALPHA * sum((p * p).sum() for layer in layers for p in layer)


class TensorStep:
    """The demo step with micrograd.tensor.Tensor: three matrix products and their loss."""

    name = "Tensor"

    def __init__(self, layers, X, y):
        self.layers = [(Tensor(W), Tensor(b)) for W, b in layers]
        # The data as arrays, which a Tensor treats as constants: no gradients are computed
        # for them, as PyTorch computes none for tensors that do not require them.
        self.X, self.y, self.k = np.array(X), np.array(y, dtype=float), 0

    def __call__(self):
        loss = hinge_l2_loss(self.layers, self.X, self.y)
        loss.backward()
        self.gradients = [(W.grad.copy(), b.grad.copy()) for W, b in self.layers]
        for p in (p for layer in self.layers for p in layer):
            p.data -= self.rate(self.k) * p.grad
            p.grad.fill(0.0)
        self.k += 1
        return loss.data.item()


class TorchStep:
    """The same code on PyTorch tensors (float64, as ours), with torch's own autograd."""

    name = "PyTorch"

    def __init__(self, layers, X, y):
        self.layers = [
            (as_float64(W, requires_grad=True), as_float64(b, requires_grad=True))
            for W, b in layers
        ]
        self.X, self.y, self.k = as_float64(X), as_float64(y), 0

    def __call__(self):
        loss = hinge_l2_loss(self.layers, self.X, self.y)
        loss.backward()
        self.gradients = [
            (W.grad.numpy().copy(), b.grad.numpy().copy()) for W, b in self.layers
        ]
        with torch.no_grad():
            for p in (p for layer in self.layers for p in layer):
                p -= self.rate(self.k) * p.grad
                p.grad = None
        self.k += 1
        return loss.item()


def as_float64(numbers, requires_grad=False):
    """A float64 PyTorch tensor (torch.tensor makes float32 from Python floats)."""
    return torch.tensor(np.asarray(numbers, dtype=float), requires_grad=requires_grad)


class NumpyStep:
    """The same step in numpy, forward and backward written out by hand."""

    name = "numpy"

    def __init__(self, layers, X, y):
        self.layers = [(W.copy(), b.copy()) for W, b in layers]
        self.X, self.y, self.k = np.array(X), np.array(y, dtype=float), 0

    def __call__(self):
        (W1, b1), (W2, b2), (W3, b3) = self.layers
        X, y = self.X, self.y
        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0.0)
        scores = (h2 @ W3 + b3)[:, 0]
        margins = 1 - y * scores
        parameters = [W1, b1, W2, b2, W3, b3]
        loss = np.maximum(margins, 0.0).mean() + ALPHA * sum(
            (p * p).sum() for p in parameters
        )
        # Backward: the hinge passes -y/N where the margin is positive, then each layer in turn.
        d_scores = np.where(margins > 0, -y, 0.0)[:, None] / len(y)
        dW3, db3 = h2.T @ d_scores, d_scores.sum(axis=0)
        d_z2 = (d_scores @ W3.T) * (z2 > 0)
        dW2, db2 = h1.T @ d_z2, d_z2.sum(axis=0)
        d_z1 = (d_z2 @ W2.T) * (z1 > 0)
        dW1, db1 = X.T @ d_z1, d_z1.sum(axis=0)
        gradients = [dW1, db1, dW2, db2, dW3, db3]
        for p, g in zip(parameters, gradients, strict=True):
            g += 2 * ALPHA * p  # the L2 penalty's gradient
        self.gradients = list(zip(gradients[::2], gradients[1::2], strict=True))
        for p, g in zip(parameters, gradients, strict=True):
            p -= self.rate(self.k) * g
        self.k += 1
        return float(loss)


# --- Running and timing -------------------------------------------------------------------


def demo_problem(n_points=N_POINTS, widths=DEMO_WIDTHS):
    X, y = make_moons(n_samples=n_points, noise=NOISE, seed=SEED)
    random.seed(SEED)
    return MLP(2, widths), X, y


def no_learning(k):
    return 0.0


def make_steps(n_points=N_POINTS, widths=DEMO_WIDTHS, scalar=True, rate=learning_rate):
    """The step in each library, from the same data and weights, updating with `rate`."""
    model, X, y = demo_problem(n_points, widths)
    layers = layers_of(model)
    steps = [ScalarStep(model, X, y)] if scalar else []
    steps += [TensorStep(layers, X, y), NumpyStep(layers, X, y)]
    if torch is not None:
        steps.append(TorchStep(layers, X, y))
    for step in steps:
        step.rate = rate
    return steps


def check_agreement(steps):
    """Every library's first losses and first-step gradients against the scalar engine's."""
    problems = []
    results = {}
    for step in steps:
        results[step.name] = [step() for _ in range(CHECKED_STEPS)]
        results[step.name + " gradients"] = step.first_gradients
    reference = results[steps[0].name]
    reference_gradients = results[steps[0].name + " gradients"]
    for step in steps[1:]:
        for k, (a, b) in enumerate(zip(reference, results[step.name], strict=True)):
            if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
                problems.append(
                    f"{step.name}: loss of step {k} is {b!r}, Value gives {a!r}"
                )
        gradients = results[step.name + " gradients"]
        if len(gradients) != len(reference_gradients):
            problems.append(f"{step.name}: {len(gradients)} gradients")
        bad = [
            i
            for i, (a, b) in enumerate(zip(reference_gradients, gradients, strict=True))
            if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        ]
        if bad:
            problems.append(f"{step.name}: first-step gradients {bad[:5]} differ")
    return problems, len(reference_gradients)


class Recording:
    """A step that keeps the gradients of its first call, in the scalar engine's order."""

    def __init__(self, step):
        self.step, self.name, self.first_gradients = step, step.name, None

    def __call__(self):
        loss = self.step()
        if self.first_gradients is None:
            gradients = self.step.gradients
            self.first_gradients = (
                list(gradients) if self.name == "Value" else in_scalar_order(gradients)
            )
        return loss


def seconds_per_call(step, calls):
    """Processor time per call: the time spent on this program, not on others."""
    started = time.process_time()
    for _ in range(calls):
        step()
    return (time.process_time() - started) / calls


def time_in_turns(steps, rounds, budget_per_round=0.1):
    """Median seconds per step of each, over rounds in which every step takes its turn."""
    # How many calls fill a round: measured once, from a few calls.
    calls = {
        s.name: max(1, round(budget_per_round / seconds_per_call(s, 3))) for s in steps
    }
    times = {s.name: [] for s in steps}
    for round_number in range(rounds):
        order = steps if round_number % 2 == 0 else steps[::-1]
        for step in order:
            times[step.name].append(seconds_per_call(step, calls[step.name]))
    return {name: statistics.median(t) for name, t in times.items()}


def per_operation_costs(repeats=5, n=2000):
    """Seconds for one operation on one-element tensors, forward and backward: the fewest of
    `repeats` measurements of `a * b + a` (two operations; three backward, with its sum)."""
    costs = {}
    libraries = [("Tensor", lambda v: Tensor([v]))]
    if torch is not None:
        libraries.append(
            ("PyTorch", lambda v: as_float64([v], requires_grad=True)),
        )
    for name, make in libraries:
        a, b = make(1.5), make(-0.5)
        forward, backward = [], []
        for _ in range(repeats):
            started = time.process_time()
            for _ in range(n):
                a * b + a
            forward.append((time.process_time() - started) / n / 2)
            outs = [(a * b + a).sum() for _ in range(n)]
            started = time.process_time()
            for out in outs:
                out.backward()
            backward.append((time.process_time() - started) / n / 3)
        costs[name] = (min(forward), min(backward))
    return costs


def graph_sizes():
    """Nodes in one step's graph: values, tensors, and PyTorch's autograd nodes."""
    model, X, y = demo_problem()
    scalar = hinge_loss([model(x) for x in X], y) + ALPHA * l2_penalty(
        model.parameters()
    )
    seen, todo = {scalar}, [scalar]
    while todo:
        for child in todo.pop()._prev:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    layers = layers_of(model)
    tensor_layers = [(Tensor(W), Tensor(b)) for W, b in layers]
    tensor_loss = hinge_l2_loss(tensor_layers, np.array(X), np.array(y, dtype=float))
    sizes = {"Value": len(seen), "Tensor": len(tensor_loss._topological_order())}
    if torch is not None:
        torch_layers = [
            (as_float64(W, requires_grad=True), as_float64(b, requires_grad=True))
            for W, b in layers
        ]
        loss = hinge_l2_loss(torch_layers, as_float64(X), as_float64(y))
        nodes, todo = {loss.grad_fn}, [loss.grad_fn]
        while todo:
            for child, _ in todo.pop().next_functions:
                if child is not None and child not in nodes:
                    nodes.add(child)
                    todo.append(child)
        sizes["PyTorch"] = len(nodes)
    return sizes


def sweep(label, sizes, make, rounds):
    """Tensor, numpy and PyTorch at growing sizes; the first size from which PyTorch wins."""
    print(
        f"\n{label:>20}  {'Tensor':>10}  {'numpy':>10}  {'PyTorch':>10}  PyTorch/Tensor"
    )
    wins = []
    for size in sizes:
        steps = [Recording(step) for step in make(size)]
        times = time_in_turns(steps, rounds, budget_per_round=0.1)
        tensor, numpy_time = times["Tensor"], times["numpy"]
        if torch is not None:
            ratio = times["PyTorch"] / tensor
            wins.append(ratio < 1)
            print(
                f"{size:>20,}  {ms(tensor):>10}  {ms(numpy_time):>10}  "
                f"{ms(times['PyTorch']):>10}  {ratio:>14.2f}"
            )
        else:
            print(f"{size:>20,}  {ms(tensor):>10}  {ms(numpy_time):>10}")
    # The first size from which PyTorch is faster at that size and every larger one.
    for i, size in enumerate(sizes):
        if wins and all(wins[i:]):
            return size
    return None


def ms(seconds):
    return f"{seconds * 1e3:.3f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rounds",
        type=int,
        default=7,
        help="rounds of the demo step per library (default 7)",
    )
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    return arguments


def main():
    arguments = parse_arguments()
    started = time.perf_counter()
    print(f"machine: {machine()}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    versions = f"numpy {np.__version__}"
    if torch is not None:
        versions += f", PyTorch {torch.__version__}"
    versions += "; every library on one thread"
    print(f"{versions}; load average at the start {load:.2f}")
    if torch is None:
        print(
            "PyTorch is not installed: its columns are left out (pip install torch to add them)"
        )

    steps = [Recording(step) for step in make_steps()]
    problems, n_gradients = check_agreement(steps)
    times = time_in_turns(steps, arguments.rounds)
    value, tensor, numpy_time = times["Value"], times["Tensor"], times["numpy"]

    print(
        f"\ndemo step: MLP(2, {DEMO_WIDTHS}) on {N_POINTS} two-moons points, hinge + L2, "
        f"forward, backward, update; median of {arguments.rounds} rounds each"
    )
    sizes = graph_sizes()
    for name in times:
        nodes = f"{sizes[name]:,} nodes" if name in sizes else "(by hand)"
        print(f"  {name:8} {ms(times[name]):>10}   {nodes}")
    speedup, numpy_ratio = value / tensor, tensor / numpy_time
    print(
        f"\nTensor is {speedup:.0f}x the scalar engine (target >= {TARGET_SPEEDUP}x: "
        f"{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'})"
    )
    print(
        f"Tensor takes {numpy_ratio:.2f}x the time of hand-written numpy (target <= "
        f"{TARGET_NUMPY_RATIO}x: {'met' if numpy_ratio <= TARGET_NUMPY_RATIO else 'NOT met'})"
    )
    if torch is not None:
        print(f"PyTorch takes {times['PyTorch'] / tensor:.2f}x the time of Tensor")
        costs = per_operation_costs()
        print("\nper operation on one-element tensors (forward; backward):")
        for name, (forward, backward) in costs.items():
            print(f"  {name:8} {forward * 1e6:6.1f} us; {backward * 1e6:6.1f} us")
        print(
            "(a fixed cost per operation, which the demo step pays for each of its "
            f"{sizes['Tensor']} or {sizes['PyTorch']} nodes; on arrays of 100 x 16 it outweighs "
            "the arithmetic, which decides once the arrays are large enough:)"
        )

        # With the demo's learning rates, the wider networks diverge, and arithmetic on inf
        # and NaN runs at a speed of its own; so these steps subtract 0 times the gradient:
        # the same work in every step, on the same numbers.
        def by_points(n):
            return make_steps(n_points=n, scalar=False, rate=no_learning)

        def by_width(w):
            return make_steps(widths=[w, w, 1], scalar=False, rate=no_learning)

        crossing = sweep("points (width 16)", POINTS_SWEEP, by_points, rounds=7)
        wide = sweep("width (100 points)", WIDTH_SWEEP, by_width, rounds=7)
        print()
        for what, size in [("points", crossing), ("width", wide)]:
            where = f"from {size:,} {what} on" if size else "at none of these sizes"
            print(f"PyTorch is faster than Tensor {where}")

    print()
    if problems:
        print("RESULTS DIFFER:")
        print("\n".join(f"  {problem}" for problem in problems))
    else:
        print(
            f"results agree to {REL_TOL:g}: the first {CHECKED_STEPS} losses and all "
            f"{n_gradients} first-step gradients, in every library"
        )
    print(f"(whole run: {time.perf_counter() - started:.0f} s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
