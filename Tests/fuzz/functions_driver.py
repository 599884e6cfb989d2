#!/usr/bin/env python3
"""Runs Tests/fuzz/functions.lua in batches (one guichet --sandbox --dry-run
process per batch, seeds seed, seed+1, ...) until --calls calls are made, each
batch in a scratch folder and under a timeout, and prints the figures:
calls made, crashes (a signal or an unexpected exit), hangs (the batch timed
out) and internal errors (an error raised inside the stdlib or a raw Lua
runtime error). Exits 1 when any of the three is not zero.

usage: functions_driver.py --guichet BIN [--seed N] [--calls N] [--batch N] [--jobs N] [--timeout S]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "functions.lua")


def run_batch(args, seed, calls):
    scratch = tempfile.mkdtemp(prefix="guichet-fuzz-")
    try:
        cwd = os.path.join(scratch, "a", "b")  # "../x" stays inside the scratch folder
        os.makedirs(cwd)
        report = os.path.join(scratch, "report")
        status, hang = None, False
        try:
            proc = subprocess.run([args.guichet, "--sandbox", "--dry-run", SCRIPT, str(seed), str(calls), report],
                                  cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=args.timeout,
                                  env=dict(os.environ, TMPDIR=scratch, HOME=scratch))
            status = proc.returncode
            stderr = proc.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            hang = True
            stderr = (e.stderr or b"").decode("utf-8", "replace")
        lines = open(report, "rb").read().decode("utf-8", "replace").splitlines() if os.path.exists(report) else []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    last_call = next((l for l in reversed(lines) if l.startswith("call ")), "(no call started)")
    done = next((l for l in lines if l.startswith("done ")), None)
    made = int(done.split()[1]) if done else max(0, int(last_call.split()[1]) - 1 if last_call.startswith("call ") else 0)
    internal = [l for l in lines if l.startswith("internal ")]
    targets = next((int(l.split()[1]) for l in lines if l.startswith("targets ")), 0)
    crash = None
    if not hang and (status != 0 or done is None):
        crash = "seed %d: exit status %s at %s\n%s" % (seed, status, last_call[:300], stderr[-800:])
    return {"seed": seed, "made": made, "internal": internal, "crash": crash,
            "hang": "seed %d: no answer within %d s at %s" % (seed, args.timeout, last_call[:300]) if hang else None,
            "targets": targets}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--guichet", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--calls", type=int, default=3000)
    p.add_argument("--batch", type=int, default=5000)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--timeout", type=int, default=240)
    args = p.parse_args()
    args.guichet = os.path.abspath(args.guichet)
    batches, left, seed = [], args.calls, args.seed
    while left > 0:
        batches.append((seed, min(left, args.batch)))
        left -= args.batch
        seed += 1
    results = []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda b: run_batch(args, *b), batches))
    made = sum(r["made"] for r in results)
    crashes = [r["crash"] for r in results if r["crash"]]
    hangs = [r["hang"] for r in results if r["hang"]]
    internal = [(r["seed"], l) for r in results for l in r["internal"]]
    for c in crashes[:5]:
        print("CRASH", c)
    for h in hangs[:5]:
        print("HANG", h)
    shown = set()
    for batch_seed, line in internal:
        key = line.split(" ", 2)[2].split("(", 1)[0] + line.split(": ", 1)[-1][:80]
        if key in shown or len(shown) >= 30:
            continue
        shown.add(key)
        print("INTERNAL seed %d: %s" % (batch_seed, line[:400]))
    targets = max((r["targets"] for r in results), default=0)
    print("function fuzz (seeds %d-%d, %d functions and methods): %d calls made, %d crashes, %d hangs, %d internal errors"
          % (args.seed, seed - 1, targets, made, len(crashes), len(hangs), len(internal)))
    sys.exit(1 if crashes or hangs or internal or made < args.calls else 0)


if __name__ == "__main__":
    main()
