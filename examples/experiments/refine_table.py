#!/usr/bin/env python3
"""Tables of examples/experiments/refine_2d.sh and refine_alone.sh (docs/experiments.md,
section 0, stop 12): per run the network's estimate and the refined one, and per problem
and method the successes of each (every unknown with a truth within TOL of its bound width).
Usage: refine_table.py DIR [TOL]   (DIR/PROBLEM/METHOD/RUN/result.json or DIR/PROBLEM/RUN/result.json)"""
import glob
import json
import os
import sys


def success(unknowns, key, tol):
    return all(abs(v.get(key, v['value']) - v['truth']) <= tol * v['width'] for v in unknowns.values() if 'truth' in v)


def row(path, tol):
    r = json.load(open(path))
    u = r['unknowns']
    net = ' '.join(f"{v.get('network_value', v['value']):.3f}" for v in u.values())
    ref = ' '.join(f"{v['value']:.3f}" for v in u.values())
    info = r.get('refine', {})
    verdict = r.get('verdict', {})
    verdict = verdict.get('verdict') if isinstance(verdict, dict) else verdict
    return (success(u, 'network_value', tol), success(u, 'value', tol),
            f"net ({net}) -> ({ref}) {info.get('status', 'not refined')} {info.get('simulations', '')} sims, "
            f"verdict {verdict}")


def main():
    root, tol = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
    groups = {}
    for path in sorted(glob.glob(f'{root}/*/*/result.json') + glob.glob(f'{root}/*/*/*/result.json')):
        parts = os.path.relpath(path, root).split(os.sep)
        groups.setdefault((parts[0], parts[1] if len(parts) == 4 else 'refine-alone'), []).append(path)
    for (problem, method), paths in sorted(groups.items()):
        net = ref = 0
        for p in paths:
            sn, sr, text = row(p, tol)
            net, ref = net + sn, ref + sr
            print(f"{problem:12s} {method:12s} {os.path.basename(os.path.dirname(p)):30s} {text}")
        print(f"{problem:12s} {method:12s} network {net}/{len(paths)}, refined {ref}/{len(paths)}\n")


if __name__ == '__main__':
    main()
