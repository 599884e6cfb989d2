#!/usr/bin/env python3
"""Median time from start to the first prompt, on a pseudo-terminal.
    repl_startup.py RUNS command [args...]   -> prints seconds"""
import os
import statistics
import sys
import time

import pexpect

runs, command = int(sys.argv[1]), sys.argv[2:]
times = []
for _ in range(runs):
    started = time.perf_counter()
    child = pexpect.spawn(command[0], command[1:], encoding="utf-8", timeout=10,
                          env=dict(os.environ, NO_COLOR="1", TERM="xterm"))
    child.expect("> ")
    times.append(time.perf_counter() - started)
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
print(statistics.median(times))
