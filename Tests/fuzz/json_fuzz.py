#!/usr/bin/env python3
"""Differential fuzzer for guichet's JSON decoder.

Generates documents (valid ones, then mutated, truncated, deeply nested,
with long numbers, lone surrogates, invalid UTF-8 and duplicate keys), has
guichet decode them in batches (Tests/fuzz/json_decode.lua, one process per
batch) and compares what it accepts and the values it produces with a
reference: Python's json module over a strict UTF-8 decoding of the bytes.

The reference is adjusted for guichet's documented, intentional choices:
  - integers within 64 bits stay integers; larger ones become floats (as Lua
    reads them), where Python keeps exact big integers;
  - a lone surrogate escape (\\ud800 alone) decodes to U+FFFD, where Python
    keeps an unencodable lone surrogate;
  - nesting deeper than 1000 levels is refused;
  - NaN, Infinity and -Infinity are not JSON (Python accepts them by default);
  - duplicate keys: the last one wins, as in Python.

usage: json_fuzz.py --guichet BIN --seed N --count N [--batch N] [--jobs N]
Prints the figures; exits 1 on any mismatch, crash or hang.
"""
import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_DEPTH = 1000
INT_MIN, INT_MAX = -(2 ** 63), 2 ** 63 - 1
LONE = re.compile("[\ud800-\udfff]")

sys.setrecursionlimit(20000)
if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)


# ---- the reference ----

class Rejected(Exception):
    pass


def reject_constant(name):
    raise Rejected(name)


def parse_int(text):
    n = int(text)
    if INT_MIN <= n <= INT_MAX:
        return n
    try:
        return float(n)
    except OverflowError:
        return math.inf if n > 0 else -math.inf


def depth_of(v):
    """Nesting depth (a scalar is 0), without recursion."""
    best, stack = 0, [(v, 0)]
    while stack:
        x, d = stack.pop()
        if isinstance(x, (list, dict)):
            d += 1
            best = max(best, d)
            stack.extend((y, d) for y in (x.values() if isinstance(x, dict) else x))
    return best


def canon(v, out):
    if v is None:
        out.append(b"n")
    elif v is True:
        out.append(b"t")
    elif v is False:
        out.append(b"f")
    elif isinstance(v, int):
        out.append(b"i%d" % v)
    elif isinstance(v, float):
        out.append(("d%.17g" % v).encode())
    elif isinstance(v, str):
        b = LONE.sub("\ufffd", v).encode("utf-8")
        out.append(b"s%d:" % len(b))
        out.append(b)
    elif isinstance(v, list):
        out.append(b"[")
        for x in v:
            canon(x, out)
        out.append(b"]")
    else:
        keys = {}
        for k, x in v.items():
            keys[LONE.sub("\ufffd", k).encode("utf-8")] = x
        out.append(b"{")
        for k in sorted(keys):
            out.append(b"s%d:" % len(k))
            out.append(k)
            canon(keys[k], out)
        out.append(b"}")


def reference(doc):
    try:
        text = doc.decode("utf-8")  # strict: no overlongs, no encoded surrogates
        v = json.loads(text, parse_int=parse_int, parse_constant=reject_constant)
    except (ValueError, Rejected, RecursionError):
        return b"Ejson"
    if depth_of(v) > MAX_DEPTH:
        return b"Ejson"
    out = [b"O"]
    canon(v, out)
    return b"".join(out)


# ---- the generator ----

WS = [" ", "\t", "\n", "\r"]
ESCAPES = ['\\"', "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]
KEYS = ["id", "numero", "état", "", "a", "champs", "1", "__index", "€uro", "\u0000", "😀"]


def ws(r):
    return "".join(r.choice(WS) for _ in range(r.randrange(3))) if r.random() < 0.3 else ""


def gen_number(r):
    k = r.randrange(14)
    if k == 0:
        return str(r.randrange(-1000, 1000))
    if k == 1:
        return str(r.choice([INT_MIN, INT_MAX, INT_MIN - 1, INT_MAX + 1, 2 ** 64, -(2 ** 64), 0, -0]))
    if k == 2:
        return "-0"
    if k == 3:  # long integers
        return r.choice(["", "-"]) + str(r.randrange(1, 10)) + "".join(r.choice("0123456789") for _ in range(r.randrange(15, 400)))
    if k == 4:
        return repr(r.uniform(-1e6, 1e6))
    if k == 5:
        return "%de%d" % (r.randrange(-9, 10), r.randrange(-400, 400))
    if k == 6:
        return "%s%d.%sE%s%d" % (r.choice(["", "-"]), r.randrange(100), "".join(r.choice("0123456789") for _ in range(r.randrange(1, 30))),
                                  r.choice(["", "+", "-"]), r.randrange(0, 330))
    if k == 7:
        return r.choice(["1e309", "-1e309", "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "0.0", "-0.0", "1E-400"])
    if k == 8:  # very long float
        return "0." + "".join(r.choice("0123456789") for _ in range(r.randrange(50, 2000)))
    if k == 9:
        return repr(r.random() * 10 ** r.randrange(-20, 20))
    if k == 10:
        return "9" * r.randrange(18, 21)
    return str(r.randrange(-2 ** 40, 2 ** 40))


def gen_char(r):
    k = r.randrange(12)
    if k < 5:
        return r.choice("abcdefghijklmnopqrstuvwxyz ABC0123456789.-_")
    if k == 5:
        return r.choice(ESCAPES)
    if k == 6:
        return "\\u%04x" % r.randrange(0x10000) if r.random() < 0.5 else "\\u%04X" % r.randrange(0x10000)
    if k == 7:  # a surrogate pair, possibly broken
        hi, lo = r.randrange(0xD800, 0xDC00), r.randrange(0xDC00, 0xE000)
        return r.choice(["\\u%04x\\u%04x" % (hi, lo), "\\u%04x" % hi, "\\u%04x" % lo, "\\u%04x\\u%04x" % (lo, hi),
                         "\\u%04x\\u%04x" % (hi, hi), "\\u%04x\\n" % hi, "\\u%04x\\u00e9" % hi])
    if k == 8:
        return r.choice("éàçÉœ€😀\u2028\u007f\u00a0ß")
    if k == 9:
        return chr(r.randrange(0x80, 0x800))
    if k == 10:
        cp = r.randrange(0x800, 0x110000)
        return chr(cp) if not 0xD800 <= cp <= 0xDFFF else "x"
    return "\\u0000"


def gen_string(r):
    n = r.randrange(40) if r.random() < 0.95 else r.randrange(200, 3000)
    return '"' + "".join(gen_char(r) for _ in range(n)) + '"'


def gen_value(r, depth):
    k = r.randrange(10 if depth < 6 else 6)
    if k == 0:
        return r.choice(["null", "true", "false"])
    if k in (1, 2):
        return gen_number(r)
    if k in (3, 4, 5):
        return gen_string(r)
    if k in (6, 7):
        items = [ws(r) + gen_value(r, depth + 1) + ws(r) for _ in range(r.randrange(5))]
        return "[" + ",".join(items) + "]" if items else "[" + ws(r) + "]"
    members = []
    for _ in range(r.randrange(5)):
        key = '"' + r.choice(KEYS) + '"' if r.random() < 0.6 else gen_string(r)
        members.append(ws(r) + key + ws(r) + ":" + ws(r) + gen_value(r, depth + 1) + ws(r))
        if r.random() < 0.15:  # a duplicate key
            members.append(key + ":" + gen_value(r, depth + 1))
    return "{" + ",".join(members) + "}" if members else "{" + ws(r) + "}"


def gen_deep(r):
    d = r.choice([r.randrange(1, 50), r.randrange(990, 1011), MAX_DEPTH, MAX_DEPTH + 1, r.randrange(1000, 3000)])
    opens, closes = [], []
    for _ in range(d):
        if r.random() < 0.5:
            opens.append("[")
            closes.append("]")
        else:
            opens.append('{"k":')
            closes.append("}")
    core = gen_value(r, 6) if r.random() < 0.7 else ""
    if core == "" and opens and opens[-1] != "[":
        core = "1"
    return "".join(opens) + core + "".join(reversed(closes))


BAD_UTF8 = [b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
            b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xfe", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98",
            b"\xc3\x28", b"\xe9", b"\xf8\x88\x80\x80\x80"]
INSERTS = [b'"', b"\\", b"{", b"}", b"[", b"]", b",", b":", b" ", b"\x00", b"\x1f", b"\n", b"-", b"0", b".", b"e",
           b"\\u", b"\\ud800", b"\\udc00", b"NaN", b"Infinity", b"-Infinity", b"null", b"\xef\xbb\xbf", b"1e", b"\x7f"]


def mutate(r, doc):
    b = bytearray(doc)
    for _ in range(1 + (r.random() < 0.3) * r.randrange(1, 4)):
        k = r.randrange(8)
        i = r.randrange(len(b) + 1)
        if k == 0:
            b = b[:i]  # truncation
        elif k == 1 and b:
            del b[min(i, len(b) - 1)]
        elif k == 2 and b:
            b[min(i, len(b) - 1)] = r.randrange(256)
        elif k == 3:
            b[i:i] = r.choice(BAD_UTF8)
        elif k == 4:
            b[i:i] = r.choice(INSERTS)
        elif k == 5 and b:
            j = r.randrange(len(b))
            lo, hi = min(i, j), max(i, j)
            b[i:i] = b[lo:hi][:200]
        elif k == 6 and b:
            b[min(i, len(b) - 1)] ^= 1 << r.randrange(8)
        else:
            b = b[i:]
    return bytes(b)


def gen_document(r):
    k = r.randrange(100)
    if k < 3:
        return bytes(r.randrange(256) for _ in range(r.randrange(12)))
    if k < 8:
        doc = gen_deep(r).encode()
    else:
        doc = (ws(r) + gen_value(r, 0) + ws(r)).encode("utf-8", "surrogatepass")
    if k >= 55:
        doc = mutate(r, doc)
    elif 45 <= k < 55 and b'"' in doc:  # invalid UTF-8 inside a string
        i = doc.index(b'"') + 1
        doc = doc[:i] + r.choice(BAD_UTF8) + doc[i:]
    return doc


# ---- the driver ----

def read_frames(data):
    out, pos = [], 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        n = int(data[pos:nl])
        out.append(data[nl + 1:nl + 1 + n])
        pos = nl + 1 + n
    return out


def run_batch(args, index, count):
    r = random.Random("%d/%d" % (args.seed, index))
    docs = [gen_document(r) for _ in range(count)]
    with tempfile.TemporaryDirectory(prefix="guichet-json-fuzz-") as tmp:
        inp, outp = os.path.join(tmp, "docs"), os.path.join(tmp, "results")
        with open(inp, "wb") as f:
            for d in docs:
                f.write(b"%d\n" % len(d))
                f.write(d)
        try:
            proc = subprocess.run([args.guichet, os.path.join(HERE, "json_decode.lua"), inp, outp],
                                  capture_output=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return {"docs": count, "hang": 1, "crash": 0, "accepted": 0, "mismatches": [], "internal": []}
        crash = proc.returncode != 0
        results = read_frames(open(outp, "rb").read()) if os.path.exists(outp) and not crash else []
        if crash:
            sys.stderr.write("batch %d: guichet exited with %d: %s\n" % (index, proc.returncode, proc.stderr[-500:].decode("utf-8", "replace")))
    mismatches, internal, accepted = [], [], 0
    for doc, got in zip(docs, results):
        want = reference(doc)
        if got.startswith(b"E!"):
            internal.append((doc, got))
        elif got != want:
            mismatches.append((doc, got, want))
        if got.startswith(b"O"):
            accepted += 1
    return {"docs": len(results), "hang": 0, "crash": int(crash), "accepted": accepted,
            "mismatches": mismatches, "internal": internal}


def show(b, limit=300):
    return repr(b[:limit]) + ("... (%d bytes)" % len(b) if len(b) > limit else "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--guichet", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=20000)
    p.add_argument("--batch", type=int, default=25000)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    p.add_argument("--timeout", type=int, default=300)
    args = p.parse_args()
    args.guichet = os.path.abspath(args.guichet)
    batches = [(i, min(args.batch, args.count - i * args.batch)) for i in range((args.count + args.batch - 1) // args.batch)]
    totals = {"docs": 0, "hang": 0, "crash": 0, "accepted": 0, "mismatches": [], "internal": []}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:  # generating and checking is Python work
        for res in pool.map(run_batch, [args] * len(batches), *zip(*batches)):
            for k in ("docs", "hang", "crash", "accepted"):
                totals[k] += res[k]
            totals["mismatches"] += res["mismatches"]
            totals["internal"] += res["internal"]
    for doc, got, want in totals["mismatches"][:10]:
        print("MISMATCH doc=%s\n  guichet:   %s\n  reference: %s" % (show(doc), show(got), show(want)))
    for doc, got in totals["internal"][:10]:
        print("INTERNAL doc=%s\n  %s" % (show(doc), show(got)))
    print("json fuzz (seed %d): %d documents decoded (%d accepted, %d refused), %d mismatches, %d internal errors, "
          "%d crashes, %d hangs" % (args.seed, totals["docs"], totals["accepted"], totals["docs"] - totals["accepted"],
                                    len(totals["mismatches"]), len(totals["internal"]), totals["crash"], totals["hang"]))
    bad = totals["mismatches"] or totals["internal"] or totals["crash"] or totals["hang"] or totals["docs"] != args.count
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
