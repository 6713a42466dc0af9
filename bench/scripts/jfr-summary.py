#!/usr/bin/env python3
"""Summarises the CPU samples of a JFR recording (docs/benchmarks.md, "Where the CPU goes").

Runs `jfr print --events jdk.ExecutionSample --stack-depth 64 FILE` and prints, over all samples (or those of threads
whose name matches --threads):
  - samples per thread group (thread name with digits removed),
  - the top methods by self samples (the sampled frame) and by total samples (anywhere in the stack, once a sample),
  - the top packages by self and total samples (the first --package-depth components of the class name).

usage: jfr-summary.py FILE.jfr [--top N] [--threads REGEX] [--package-depth D] [--jfr PATH]
"""
import argparse
import collections
import re
import subprocess
import sys


def samples(path, jfr):
    out = subprocess.run([jfr, "print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", path],
                         check=True, capture_output=True, text=True).stdout
    thread, frames, in_stack = None, [], False
    for line in out.splitlines():
        s = line.strip()
        if s.startswith("jdk.ExecutionSample"):
            thread, frames, in_stack = None, [], False
        elif s.startswith("sampledThread = "):
            m = re.match(r'sampledThread = "(.*)" \(', s)
            thread = m.group(1) if m else s
        elif s.startswith("stackTrace = ["):
            in_stack = True
        elif in_stack and s == "]":
            in_stack = False
        elif in_stack and s and s != "...":
            frames.append(re.sub(r"\s+line:.*$", "", s))
        elif s == "}" and thread is not None:
            yield thread, frames
            thread, frames = None, []


def method(frame):
    return re.sub(r"\(.*$", "", frame)


def package(frame, depth):
    cls = method(frame).rsplit(".", 1)[0]
    parts = cls.split(".")
    return ".".join(parts[:min(depth, max(1, len(parts) - 1))])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--threads", default=None)
    ap.add_argument("--package-depth", type=int, default=3)
    ap.add_argument("--jfr", default="jfr")
    a = ap.parse_args()
    rx = re.compile(a.threads) if a.threads else None
    n = 0
    by_thread = collections.Counter()
    self_m, total_m = collections.Counter(), collections.Counter()
    self_p, total_p = collections.Counter(), collections.Counter()
    for thread, frames in samples(a.file, a.jfr):
        if rx and not rx.search(thread):
            continue
        if not frames:
            continue
        n += 1
        by_thread[re.sub(r"\d+", "#", thread)] += 1
        self_m[method(frames[0])] += 1
        self_p[package(frames[0], a.package_depth)] += 1
        for m in set(method(f) for f in frames):
            total_m[m] += 1
        for p in set(package(f, a.package_depth) for f in frames):
            total_p[p] += 1
    if n == 0:
        print("no execution samples" + (" for threads matching " + a.threads if a.threads else ""))
        return 1
    print(f"{n} execution samples in {a.file}" + (f" (threads matching {a.threads})" if a.threads else ""))

    def table(title, counter):
        print(f"\n{title}")
        for k, v in counter.most_common(a.top):
            print(f"  {100.0 * v / n:5.1f} %  {v:6d}  {k}")

    table("samples by thread (digits as #)", by_thread)
    table("top methods, self", self_m)
    table("top methods, total", total_m)
    table(f"top packages (depth {a.package_depth}), self", self_p)
    table(f"top packages (depth {a.package_depth}), total", total_p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
