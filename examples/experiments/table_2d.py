#!/usr/bin/env python3
"""The far-guess tables of docs/experiments.md, section 0: for each problem, the
end points of the vanilla runs, of PR-PINN with rule v1 and with rule v2, from
the result.json files that examples/experiments.sh wrote.
Usage: table_2d.py V1_DIR V2_DIR [PROBLEM ...]   (V2_DIR also holds the vanilla runs)
Success: every unknown with a truth within 5% of its bound width of it."""
import glob, json, os, re, sys

def load(d, method):
    out = {}
    for r in glob.glob(f"{d}/{method}-*-s*/result.json"):
        guess, seed = os.path.basename(os.path.dirname(r))[len(method) + 1:].rsplit("-s", 1)
        out[(guess, seed)] = json.load(open(r))
    return out

def estimate(j):
    return "(" + ", ".join(f"{u['value']:.3f}" for u in j["unknowns"].values()) + ")"

def success(j, tol=0.05):
    return all(u["error"] <= tol * u.get("width", 1) for u in j["unknowns"].values() if "truth" in u)

def guess_text(g):
    return "(" + ", ".join(re.findall(r"_([0-9.]+)", g)) + ")"

def table(v1_dir, v2_dir, problem):
    v1, v2, van = load(f"{v1_dir}/{problem}", "pr-pinn"), load(f"{v2_dir}/{problem}", "pr-pinn"), load(f"{v2_dir}/{problem}", "vanilla")
    truth = next(iter(v2.values()))["unknowns"] if v2 else {}
    print(f"**{problem}**, truth ({', '.join(str(u['truth']) for u in truth.values())}):\n")
    print("| guess | seed | vanilla | PR-PINN v1 | PR-PINN v2 | v2 success | v2 verdict |")
    print("|---|---|---|---|---|---|---|")
    for key in sorted(v2):
        j = v2[key]
        print(f"| {guess_text(key[0])} | {key[1]} | {estimate(van[key]) if key in van else ''} | "
              f"{estimate(v1[key]) if key in v1 else ''} | {estimate(j)} | {'yes' if success(j) else 'no'} | {j.get('verdict', '-')} |")
    count = lambda runs: f"{sum(success(j) for j in runs.values())}/{len(runs)}"
    print(f"\nSuccess: vanilla {count(van)}, v1 {count(v1)}, v2 {count(v2)}.\n")

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    for p in sys.argv[3:] or ["square2d", "heatbox2x1", "swirl2d"]:
        table(sys.argv[1], sys.argv[2], p)
