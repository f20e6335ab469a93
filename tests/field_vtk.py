# Helper of tests/field_vtk.sh: reads a run's field.pvd and .vti files with VTK's own
# XML readers and checks them against the network in weights.prpstate, evaluated here
# independently (tanh MLP, box input scaling, u = (t - t0)/(t1 - t0) * scale * N for
# `initial u = 0 hard`, scale = the largest |observation|).
# Usage: field_vtk.py DIR DIMS SPACING FRAMES TIMEAXIS TRUTH [STATE]   e.g. DIR 9,7,1 0.125,0.1666,1 3 0 1
# (TIMEAXIS 1: a 1D space-time image; STATE defaults to DIR/weights.prpstate)
import csv, math, struct, sys

try:
    from vtkmodules.vtkIOXML import vtkXMLImageDataReader
    from vtkmodules.vtkIOXMLParser import vtkXMLDataParser
except ImportError as e:
    print("FAIL VTK's Python readers are missing (%s): install python3-vtk9 (scripts/install-deps.sh)" % e)
    sys.exit(1)

failures = 0
def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL", what)

def read_state(path):
    data = open(path, "rb").read()
    pos, head = 0, {}
    while True:
        nl = data.index(b"\n", pos)
        key, _, rest = data[pos:nl].decode().partition(" ")
        pos = nl + 1
        head[key] = rest
        if key == "checksum":
            break
    n = int(head["weights"])
    return [int(w) for w in head["widths"].split()], struct.unpack("<%dd" % n, data[pos:pos + 8 * n])

def network(widths, w, x, lo, hi):
    h = [2 * (x[i] - lo[i]) / (hi[i] - lo[i]) - 1 for i in range(len(x))]
    off = 0
    for l in range(1, len(widths) - 1):
        rows, cols = widths[l], widths[l - 1]
        W, b = w[off:off + rows * cols], w[off + rows * cols:off + rows * cols + rows]
        off += rows * cols + rows
        h = [math.tanh(sum(W[r + c * rows] * h[c] for c in range(cols)) + b[r]) for r in range(rows)]
    last = widths[-2]
    return sum(w[off + k] * h[k] for k in range(last)) + w[off + last]

def read_pvd(path):
    p = vtkXMLDataParser()
    p.SetFileName(path)
    check(p.Parse() == 1, "%s does not parse as XML" % path)
    root = p.GetRootElement()
    check(root.GetAttribute("type") == "Collection", "%s is not a VTK collection" % path)
    coll = root.GetNestedElement(0)
    return [(float(coll.GetNestedElement(i).GetAttribute("timestep")), coll.GetNestedElement(i).GetAttribute("file"))
            for i in range(coll.GetNumberOfNestedElements())]

def on_grid(v, n, h):
    i = round(v / h)
    return i if 0 <= i < n and abs(i * h - v) < 1e-9 else None

# The truth on the grid against the observations at sensors that lie on grid nodes
# (and, for frames, at a frame's time): equal up to the noise and the time stepping.
def check_truth_at_sensors(d, frames, obs, dims, spacing, time_axis, scale):
    images, n = {}, 0
    for row in obs:
        x = [float(row[k]) for k in row if k not in ("sensor", "observed", "predicted")]
        if time_axis == "0":
            f = [i for i, (t, _) in enumerate(frames) if abs(t - x[-1]) < 1e-9]
            idx = [on_grid(x[k], dims[k], spacing[k]) for k in range(len(x) - 1)]
        else:
            f, idx = [0], [on_grid(x[0], dims[0], spacing[0]), on_grid(x[1], dims[1], spacing[1])]
        if not f or None in idx:
            continue
        if f[0] not in images:
            r = vtkXMLImageDataReader()
            r.SetFileName(d + "/" + frames[f[0]][1])
            r.Update()
            images[f[0]] = r.GetOutput()
        idx += [0] * (3 - len(idx))
        tr = images[f[0]].GetPointData().GetArray("u_truth").GetValue(idx[0] + dims[0] * (idx[1] + dims[1] * idx[2]))
        check(abs(tr - float(row["observed"])) <= 0.05 * scale, "truth %.6g at sensor %s, observed %s" % (tr, x, row["observed"]))
        n += 1
    check(n > 0, "no sensor lies on the grid; the truth was not checked")
    return n

def main():
    d, dims, spacing, nframes, time_axis, truth = sys.argv[1:7]
    dims = tuple(int(v) for v in dims.split(","))
    spacing = tuple(float(v) for v in spacing.split(","))
    widths, w = read_state(sys.argv[7] if len(sys.argv) > 7 else d + "/weights.prpstate")
    obs = list(csv.DictReader(open(d + "/sensors.csv")))
    scale = max(abs(float(r["observed"])) for r in obs)
    ncoord = widths[0]
    lo, hi = [0.0] * ncoord, [1.0] * ncoord          # the test problems live in the unit box
    frames = read_pvd(d + "/field.pvd")
    check(len(frames) == int(nframes), "%d data sets in field.pvd, wanted %s" % (len(frames), nframes))
    names = ["u", "u_truth", "u_error"] if truth == "1" else ["u"]
    checked = 0
    for t, f in frames:
        r = vtkXMLImageDataReader()
        r.SetFileName(d + "/" + f)
        r.Update()
        check(r.GetErrorCode() == 0, "%s: reader error %d" % (f, r.GetErrorCode()))
        im = r.GetOutput()
        check(im.GetDimensions() == dims, "%s: dimensions %s, wanted %s" % (f, im.GetDimensions(), dims))
        check(all(abs(a - b) < 1e-3 for a, b in zip(im.GetSpacing(), spacing)), "%s: spacing %s, wanted %s" % (f, im.GetSpacing(), spacing))
        real_spacing = im.GetSpacing()
        pd = im.GetPointData()
        got = [pd.GetArrayName(i) for i in range(pd.GetNumberOfArrays())]
        check(got == names, "%s: arrays %s, wanted %s" % (f, got, names))
        n = im.GetNumberOfPoints()
        for p in sorted({0, n - 1, n // 2, n // 3, (2 * n) // 3}):
            x = list(im.GetPoint(p))[:ncoord - 1] if time_axis == "0" else [im.GetPoint(p)[0]]
            x.append(t if time_axis == "0" else im.GetPoint(p)[1])
            want = (x[-1] - lo[-1]) / (hi[-1] - lo[-1]) * scale * network(widths, w, x, lo, hi)
            u = pd.GetArray("u").GetValue(p)
            check(abs(u - want) <= 1e-9 * max(1.0, abs(want)), "%s point %d at %s: u = %.17g, the network gives %.17g" % (f, p, x, u, want))
            if truth == "1":
                e, tr = pd.GetArray("u_error").GetValue(p), pd.GetArray("u_truth").GetValue(p)
                check(abs(e - (u - tr)) <= 1e-12 * max(1.0, abs(u)), "%s point %d: u_error is not u - u_truth" % (f, p))
                check(math.isfinite(tr), "%s point %d: u_truth is not finite" % (f, p))
            checked += 1
    checked += check_truth_at_sensors(d, frames, obs, dims, real_spacing, time_axis, scale) if truth == "1" else 0
    print("checked %d points in %d data sets" % (checked, len(frames)))
    sys.exit(1 if failures else 0)

main()
