"""Time karpathy's micrograd 0.1.0 (from PyPI) against this repository's micrograd.

    python benchmarks/compare.py [--repeats N] [--budget SECONDS]

Both packages import as `micrograd`, so they can never share a process: every measurement
runs in a fresh worker process (this same script, `--worker karpathy|ours WORKLOAD`) whose
PYTHONPATH points at one of the two packages. Runs alternate between the libraries, so a
machine that slows down part-way through slows both. The workloads:

- the demo step of karpathy's demo notebook (MLP(2, [16, 16, 1]), 100 two-moons points,
  hinge loss + 1e-4 * L2), its forward and backward passes timed separately;
- bytes per graph node (tracemalloc over the demo step's graph);
- the longest chain x = x + 1.0 that backward() gets through;
- the widest MLP(2, [w, w, 1]) that can train one step.

Both libraries get the same data and the same initial weights (their MLPs draw
random.uniform(-1, 1) per weight in the same order), so they must compute the same loss and
gradients: the script checks that and exits with status 1 if they differ.
"""

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
CACHE = HERE / ".cache"
KARPATHY_REQUIREMENT = "micrograd==0.1.0"
LIBRARIES = ["karpathy", "ours"]
WORKLOADS = ["step", "memory", "chain", "mlp"]

# The demo notebook's settings: random.seed(1337) before building the model, 100 points.
SEED = 1337
N_POINTS = 100
NOISE = 0.1
ALPHA = 1e-4
DEMO_WIDTHS = [16, 16, 1]

# A demo-step worker trains a few steps: the first is not timed (nothing to free yet, and
# its loss and gradients are the ones compared), the others are, each including the cost
# of freeing the graph the step before it built, as in the demo's training loop.
TIMED_STEPS = 2
PHASES = ["step", "forward", "backward"]

CHAIN_LENGTHS = [100, 1_000, 10_000, 100_000, 1_000_000]
MLP_WIDTHS = [16, 30, 60, 120, 240]

# Both libraries do the same float operations in the same order in the forward pass; in
# backward they may add a node's incoming gradients in another order, which changes only
# the last bits, far below 1e-9 relative. abs_tol is for gradients that are nearly 0.
REL_TOL = 1e-9
ABS_TOL = 1e-12


# --- The workers: each runs in its own process, with one of the two packages ----------


def worker_main(library, workload, size):
    import micrograd  # whichever package PYTHONPATH points at

    expected_home = Path(os.environ["PYTHONPATH"].split(os.pathsep)[0]).resolve()
    imported_from = Path(micrograd.__file__).resolve()
    if expected_home not in imported_from.parents:
        sys.exit(
            f"{library}: imported micrograd from {imported_from}, not {expected_home}"
        )

    from micrograd.engine import Value
    from micrograd.nn import MLP

    data = json.load(sys.stdin) if workload != "chain" else None
    if workload == "step":
        result = demo_steps(Value, MLP, data)
    elif workload == "memory":
        result = graph_memory(Value, MLP, data)
    elif workload == "chain":
        result = attempt(chain_backward, Value, size)
    else:  # "mlp"
        result = attempt(one_step_of_width, Value, MLP, data, size)
    result["imported_from"] = str(imported_from.parent)
    print(json.dumps(result), flush=True)
    # The graphs are built; freeing millions of nodes at exit would only waste time.
    os._exit(0)


def attempt(workload, *args):
    """Run a workload that may be too big for a library: its failure is a result too."""
    try:
        return {"ok": True, **workload(*args)}
    except (RecursionError, MemoryError) as error:
        return {"ok": False, "error": type(error).__name__}


def demo_forward(model, X, y, Value):
    """The demo notebook's `loss()` function, unchanged but for its batch option.

    (Hence the noqa comments: these lines stay as karpathy wrote them.)
    """
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]  # noqa: B905
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = ALPHA
    reg_loss = alpha * sum((p * p for p in model.parameters()))  # noqa: UP034
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]  # noqa: B905
    return total_loss, sum(accuracy) / len(accuracy)


def demo_step(model, data, Value, k, graphs):
    """Step k of the demo's training loop, timed phase by phase.

    `graphs` holds the graph of the step before, which this step lets go of inside its
    timed forward pass: in the demo's loop, rebinding total_loss frees it, and a library
    whose graphs are reference cycles pays for that in its garbage collector instead.
    """
    start = time.perf_counter()
    graphs.clear()
    total_loss, acc = demo_forward(model, data["X"], data["y"], Value)
    forward_done = time.perf_counter()

    model.zero_grad()
    total_loss.backward()
    backward_done = time.perf_counter()

    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    update_done = time.perf_counter()

    graphs.append(total_loss)
    return {
        "loss": total_loss.data,
        "accuracy": acc,
        "gradients": [p.grad for p in model.parameters()],
        "forward": forward_done - start,
        "backward": backward_done - forward_done,
        "step": update_done - start,
    }


def seeded_model(MLP, widths):
    random.seed(SEED)
    return MLP(2, widths)


def demo_steps(Value, MLP, data):
    model = seeded_model(MLP, DEMO_WIDTHS)
    graphs = []
    steps = [demo_step(model, data, Value, k, graphs) for k in range(1 + TIMED_STEPS)]
    first, timed = steps[0], steps[1:]
    return {
        "loss": [step["loss"] for step in steps],
        "accuracy": first["accuracy"],
        "gradients": first["gradients"],
        **{phase: [step[phase] for step in timed] for phase in PHASES},
    }


def graph_memory(Value, MLP, data):
    """Bytes the demo step's forward graph holds, per node it creates."""
    model = seeded_model(MLP, DEMO_WIDTHS)
    tracemalloc.start()
    total_loss, _accuracy = demo_forward(model, data["X"], data["y"], Value)
    traced_bytes, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = count_nodes(total_loss)
    # The parameters are in the graph but were allocated before tracing started.
    created = nodes - len(model.parameters())
    return {
        "loss": total_loss.data,
        "nodes": nodes,
        "bytes_per_node": traced_bytes / created,
    }


def count_nodes(root):
    """The number of distinct Values `root` was computed from, itself included.

    Iterative, for karpathy's graphs too; `_prev` may be a set or a tuple with repeats.
    """
    seen, stack = {id(root)}, [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def chain_backward(Value, n):
    start = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y + 1.0
    y.backward()
    seconds = time.perf_counter() - start
    # d(x + n)/dx = 1 however long the chain: anything else is a wrong answer, not a limit.
    return {"seconds": seconds, "correct": x.grad == 1.0 and y.data == n + 1.0}


def one_step_of_width(Value, MLP, data, width):
    model = seeded_model(MLP, [width, width, 1])
    step = demo_step(model, data, Value, k=0, graphs=[])
    return {"seconds": step["step"], "loss": step["loss"]}


# --- The data both libraries train on ---------------------------------------------------


def make_moons(n_samples, noise, seed):
    """Two interleaving half circles, in pure Python, built as sklearn's make_moons (and
    micrograd.datasets.make_moons) builds them: the upper moon labelled -1, the lower +1,
    as the demo's y*2 - 1 labels sklearn's."""
    rng = random.Random(seed)
    upper = n_samples // 2
    X, y = [], []
    for i in range(n_samples):
        if i < upper:
            angle = math.pi * i / (upper - 1)
            point, label = [math.cos(angle), math.sin(angle)], -1
        else:
            angle = math.pi * (i - upper) / (n_samples - upper - 1)
            point, label = [1 - math.cos(angle), 0.5 - math.sin(angle)], 1
        X.append([coordinate + rng.gauss(0, noise) for coordinate in point])
        y.append(label)
    return {"X": X, "y": y}


# --- Running the workers ----------------------------------------------------------------


def install_karpathy():
    """micrograd 0.1.0 from PyPI, installed once into a folder of its own."""
    target = CACHE / KARPATHY_REQUIREMENT.replace("==", "-")
    if (target / "micrograd" / "engine.py").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    # Downloaded code has no place in the repository.
    (CACHE / ".gitignore").write_text("*\n")
    partial = target.with_name(target.name + ".partial")
    print(f"installing {KARPATHY_REQUIREMENT} into {target} ...", flush=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    pip += ["--disable-pip-version-check", "--upgrade", "--target", str(partial)]
    completed = subprocess.run([*pip, KARPATHY_REQUIREMENT])
    if completed.returncode != 0:
        sys.exit(f"could not install {KARPATHY_REQUIREMENT} with pip (see above)")
    # Renamed only when complete, so an interrupted install is not mistaken for one.
    partial.rename(target)
    return target


class Workers:
    """Starts worker processes, each with PYTHONPATH set to one library's folder."""

    def __init__(self, homes, timeout):
        self.homes = homes
        self.timeout = timeout

    def run(self, library, workload, size=None, data=None):
        command = [sys.executable, str(Path(__file__).resolve())]
        command += ["--worker", library, workload]
        if size is not None:
            command.append(str(size))
        environment = dict(os.environ, PYTHONPATH=str(self.homes[library]))
        try:
            completed = subprocess.run(
                command,
                input=json.dumps(data),
                capture_output=True,
                text=True,
                env=environment,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"timed out after {self.timeout:.0f} s"}
        if completed.returncode < 0:  # killed, e.g. by the kernel when out of memory
            return {"ok": False, "error": f"killed by signal {-completed.returncode}"}
        if completed.returncode != 0:
            sys.exit(
                f"worker `{library} {workload} {size or ''}` failed:\n{completed.stderr}"
            )
        return json.loads(completed.stdout.splitlines()[-1])

    def run_or_exit(self, library, workload, data):
        """For the workloads every library must finish: no result, no comparison."""
        result = self.run(library, workload, data=data)
        if result.get("ok", True) is False:
            sys.exit(f"worker `{library} {workload}`: {result['error']}")
        return result


def alternating(libraries, repeat):
    """Who goes first swaps every repeat, so neither always runs on a warmer machine."""
    return libraries if repeat % 2 == 0 else libraries[::-1]


def time_demo_steps(workers, libraries, data, repeats):
    runs = {library: [] for library in libraries}
    for repeat in range(repeats):
        for library in alternating(libraries, repeat):
            runs[library].append(workers.run_or_exit(library, "step", data))
            print(f"  demo step, run {repeat + 1}/{repeats}: {library}", flush=True)
    return runs


def climb(workers, libraries, workload, sizes, growth, budget, data=None):
    """For each library, the largest size it handles, trying sizes in increasing order.

    A library stops at its first failure, or when the next size would take longer than
    `budget` seconds, estimated from the last as time ~ size**growth.
    """
    ladder = {
        library: {"best": None, "stop": None, "runs": {}} for library in libraries
    }
    for size in sizes:
        for library in libraries:
            rung = ladder[library]
            if rung["stop"] is not None:
                continue
            if rung["best"] is not None:
                last = rung["runs"][rung["best"]]["seconds"]
                estimate = last * (size / rung["best"]) ** growth
                if estimate > budget:
                    rung["stop"] = f"{size:,} would take ~{estimate:.0f} s > --budget"
                    continue
            result = workers.run(library, workload, size=size, data=data)
            print(f"  {workload} {size:,}: {library} {describe(result)}", flush=True)
            rung["runs"][size] = result
            if result["ok"]:
                rung["best"] = size
            else:
                rung["stop"] = f"{size:,}: {result['error']}"
    return ladder


def describe(result):
    return f"{result['seconds']:.2f} s" if result["ok"] else result["error"]


# --- Checking that both computed the same thing -----------------------------------------


def close(a, b):
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def disagreements(steps, memory, chains, mlps):
    """Every place where the two libraries, or two runs of one, computed different numbers."""
    problems = []
    reference = steps["karpathy"][0]
    for library, runs in steps.items():
        for run in runs:
            problems += compare_step(reference, run, f"demo step ({library})")
    problems += compare_numbers(
        [memory["karpathy"]["loss"]], [memory["ours"]["loss"]], "loss in memory run"
    )
    for library, ladder in chains.items():
        for n, result in ladder["runs"].items():
            if result["ok"] and not result["correct"]:
                problems.append(
                    f"{library}: wrong gradient or value for a chain of {n:,}"
                )
    for width in set(mlps["karpathy"]["runs"]) & set(mlps["ours"]["runs"]):
        a, b = mlps["karpathy"]["runs"][width], mlps["ours"]["runs"][width]
        if a["ok"] and b["ok"]:
            problems += compare_numbers(
                [a["loss"]], [b["loss"]], f"MLP width {width} loss"
            )
    return problems


def compare_step(reference, run, what):
    problems = compare_numbers(reference["loss"], run["loss"], f"{what}: losses")
    problems += compare_numbers(
        reference["gradients"], run["gradients"], f"{what}: first-step gradients"
    )
    if reference["accuracy"] != run["accuracy"]:
        problems.append(
            f"{what}: accuracy {run['accuracy']} != {reference['accuracy']}"
        )
    return problems


def compare_numbers(expected, got, what):
    if len(expected) != len(got):
        return [f"{what}: {len(got)} numbers, karpathy's gives {len(expected)}"]
    return [
        f"{what}: #{i} is {b!r}, karpathy's gives {a!r}"
        for i, (a, b) in enumerate(zip(expected, got, strict=True))
        if not close(a, b)
    ][:5]


# --- Reporting ---------------------------------------------------------------------------


def machine():
    cpu = platform.processor() or platform.machine()
    try:  # Linux names the CPU model here; elsewhere platform.processor() will do
        with open("/proc/cpuinfo") as info:
            models = [
                line.split(":", 1)[1].strip() for line in info if "model name" in line
            ]
        cpu = models[0] if models else cpu
    except OSError:
        pass
    return (
        f"{platform.platform()}, {cpu}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )


def seconds(value):
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def ratio(karpathy, ours):
    return f"{karpathy / ours:.1f}x" if ours else ""


def ladder_cell(rung):
    best = f"{rung['best']:,}" if rung["best"] is not None else "none"
    return f"{best} ({rung['stop']})" if rung["stop"] else best


def print_report(steps, memory, chains, mlps, repeats):
    k, o = (memory[library] for library in LIBRARIES)
    rows = [
        *timing_rows(steps),
        ("graph nodes in the demo step", f"{k['nodes']:,}", f"{o['nodes']:,}", ""),
        (
            "bytes per node",
            f"{k['bytes_per_node']:.0f}",
            f"{o['bytes_per_node']:.0f}",
            ratio(k["bytes_per_node"], o["bytes_per_node"]),
        ),
    ]
    print(f"\n{'':30}  {'karpathy 0.1.0':>14}  {'ours':>10}  {'karpathy/ours':>13}")
    for name, karpathy, ours, times in rows:
        print(f"{name:30}  {karpathy:>14}  {ours:>10}  {times:>13}")
    processes = f"{repeats} process" + ("es" if repeats > 1 else "")
    print(
        f"(demo step: MLP(2, {DEMO_WIDTHS}) on {N_POINTS} two-moons points; medians of "
        f"{repeats * TIMED_STEPS} steps in {processes} per library; the forward pass "
        "includes freeing the graph of the step before)"
    )
    for title, ladder in [
        ("longest chain x = x + 1.0 through backward()", chains),
        ("widest MLP(2, [w, w, 1]) trained one step", mlps),
    ]:
        print(f"\n{title}")
        for library in LIBRARIES:
            print(f"  {library:9} {ladder_cell(ladder[library])}")


def timing_rows(steps):
    names = {"step": "demo step", "forward": "  forward", "backward": "  backward"}
    rows = []
    for phase in PHASES:
        k, o = (
            statistics.median(t for run in steps[library] for t in run[phase])
            for library in LIBRARIES
        )
        rows.append((names[phase], seconds(k), seconds(o), ratio(k, o)))
    return rows


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="processes per library that time the demo step (default 3)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20,
        help="seconds: no chain or MLP run expected to take longer is started (default 20)",
    )
    # Worker mode, for this script's own use: --worker LIBRARY WORKLOAD [SIZE].
    parser.add_argument("--worker", choices=LIBRARIES, help=argparse.SUPPRESS)
    parser.add_argument(
        "workload", nargs="?", choices=WORKLOADS, help=argparse.SUPPRESS
    )
    parser.add_argument("size", nargs="?", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.repeats < 1:
        parser.error("--repeats must be at least 1")
    if arguments.workload and not arguments.worker:
        parser.error("a workload is only for --worker")
    if arguments.worker and arguments.workload is None:
        parser.error(f"--worker needs a workload: one of {', '.join(WORKLOADS)}")
    if arguments.workload in ("chain", "mlp") and arguments.size is None:
        parser.error(f"the {arguments.workload} workload needs a size")
    return arguments


def main():
    arguments = parse_arguments()
    if arguments.worker:
        worker_main(arguments.worker, arguments.workload, arguments.size)
    started = time.perf_counter()
    homes = {"karpathy": install_karpathy(), "ours": REPOSITORY}
    # A safety net only: the budget already keeps every attempted run well below this.
    workers = Workers(homes, timeout=max(120.0, 10 * arguments.budget))
    data = make_moons(N_POINTS, NOISE, SEED)

    print("karpathy's micrograd 0.1.0 and ours, each run in processes of its own:")
    steps = time_demo_steps(workers, LIBRARIES, data, arguments.repeats)
    memory = {
        library: workers.run_or_exit(library, "memory", data) for library in LIBRARIES
    }
    chains = climb(workers, LIBRARIES, "chain", CHAIN_LENGTHS, 1, arguments.budget)
    mlps = climb(workers, LIBRARIES, "mlp", MLP_WIDTHS, 2, arguments.budget, data)

    print()
    print(f"machine: {machine()}")
    for library in LIBRARIES:
        print(f"{library}: micrograd from {steps[library][0]['imported_from']}")
    print_report(steps, memory, chains, mlps, arguments.repeats)
    problems = disagreements(steps, memory, chains, mlps)
    print()
    if problems:
        print("RESULTS DIFFER:")
        print("\n".join(f"  {problem}" for problem in problems))
    else:
        print(
            f"results agree to {REL_TOL:g}: the demo's {1 + TIMED_STEPS} losses, its "
            f"{len(steps['ours'][0]['gradients'])} first-step gradients, every chain, "
            "every MLP both trained"
        )
    print(f"(whole run: {time.perf_counter() - started:.0f} s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
