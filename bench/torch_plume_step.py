#!/usr/bin/env python3
# Benchmark (not a test): the peer baseline for bench/plume_step.c -- one whole
# training step of the 2D plume problem (examples/plume2d.prp) written for
# PyTorch the way a PINN user would: nested autograd for u_t and the Laplacian,
# the same loss terms (relaxed PDE residual, four boundary faces, data, the
# source's energy in the margin while the width is dilated), the hard initial
# condition u = t * N, the same network (3x128 tanh, box scaling, Xavier) and
# point counts (4096 Sobol collocation points, 256 per face, 320 sensors), Adam.
# f32, at 1 and 2 threads. Prints ms per step (the best of STEPS steps).
import math
import sys
import time

try:
    import torch
except ImportError:
    sys.exit("torch_plume_step.py: PyTorch is not installed (Debian: apt-get install python3-torch); "
             "bench/README.md")

STEPS = 10
N_COLLOCATION, N_FACE, N_OBS = 4096, 256, 320
D = 0.002
NUDGE_WIDTH = 0.03
WEIGHTS = {"data": 10.0, "residual": 1.0, "boundary": 1.0}


def schedules(progress):
    """eps, eta, sigma of plume2d's relax block at a share of training (shapes as in the file)."""
    def until(end):
        return min(progress / end, 1.0)
    eps = 0.02 * 0.5 * (1 + math.cos(math.pi * until(0.6)))
    eta = 8800.0 * math.exp(-10 * until(0.4)) if progress < 0.4 else 0.0
    sigma = 0.2 + (0.02 - 0.2) * until(0.5)
    return eps, eta, sigma


class Net(torch.nn.Module):
    def __init__(self, widths=(128, 128, 128)):
        super().__init__()
        layers, fan = [], 3
        for w in widths:
            layers.append(torch.nn.Linear(fan, w))
            fan = w
        self.hidden = torch.nn.ModuleList(layers)
        self.out = torch.nn.Linear(fan, 1)
        for layer in [*self.hidden, self.out]:
            torch.nn.init.xavier_normal_(layer.weight)
            torch.nn.init.zeros_(layer.bias)

    def forward(self, xyt):
        h = 2 * xyt - 1                      # the box [0, 1]^3 scaled to [-1, 1]
        for layer in self.hidden:
            h = torch.tanh(layer(h))
        return self.out(h)


def bounded(z, lo, hi):
    return lo + (hi - lo) * torch.sigmoid(z)


def source(x, y, xs, ys, q, sigma):
    return q / (2 * math.pi * sigma**2) * torch.exp(-((x - xs)**2 + (y - ys)**2) / (2 * sigma**2))


def sensors():
    i = torch.arange(N_OBS, dtype=torch.float64)
    x = ((i % 4) + 0.5) / 4
    y = ((i // 4 % 4) + 0.5) / 4
    t = (i // 16 + 1) / 20
    u = 0.1 * torch.sin(i)
    return torch.stack([x, y, t], 1).float(), u.float().unsqueeze(1)


def nudging(pts, obs_xyt, obs_u):
    """The nudging sums at each collocation point, sum_i delta_h(x - x_i) u_i and sum_i delta_h,
    with u_i a sensor's mean (made once, outside the timed step: only their use is timed)."""
    places = torch.unique(obs_xyt[:, :2], dim=0)
    d2 = ((pts[:, None, :2] - places[None, :, :]) ** 2).sum(-1)
    delta = torch.exp(-d2 / (2 * NUDGE_WIDTH**2))
    u_place = torch.stack([obs_u[(obs_xyt[:, :2] == p).all(1)].mean() for p in places])
    return (delta * u_place).sum(1, keepdim=True), delta.sum(1, keepdim=True)


def faces(gen):
    out = []
    for coord, value in ((0, 0.0), (0, 1.0), (1, 0.0), (1, 1.0)):
        p = torch.rand(N_FACE, 3, generator=gen)
        p[:, coord] = value
        out.append(p)
    return out


def loss_fn(net, z, pts, face_pts, obs_xyt, obs_u, nudge_obs, nudge_w, pad_unit, progress):
    eps, eta, sigma = schedules(progress)
    xs, ys, q = bounded(z[0], 0, 1), bounded(z[1], 0, 1), bounded(z[2], 0, 10)
    u_of = lambda p: p[:, 2:3] * net(p)                                     # hard u = 0 at t = 0
    # PDE residual with the relaxation terms, by nested autograd
    p = pts.clone().requires_grad_(True)
    u = u_of(p)
    du = torch.autograd.grad(u.sum(), p, create_graph=True)[0]
    u_x, u_y, u_t = du[:, 0:1], du[:, 1:2], du[:, 2:3]
    u_xx = torch.autograd.grad(u_x.sum(), p, create_graph=True)[0][:, 0:1]
    u_yy = torch.autograd.grad(u_y.sum(), p, create_graph=True)[0][:, 1:2]
    s = source(p[:, 0:1], p[:, 1:2], xs, ys, q, sigma)
    r = u_t - (D + eps) * (u_xx + u_yy) - s + eta * (nudge_w * u - nudge_obs)
    loss = WEIGHTS["residual"] * (r**2).mean()
    for f in face_pts:
        loss = loss + WEIGHTS["boundary"] * (u_of(f)**2).mean()
    loss = loss + WEIGHTS["data"] * ((u_of(obs_xyt) - obs_u)**2).mean()
    if progress < 0.5:                       # the source's energy in a margin of 3 widths
        m = 3 * sigma
        pad = pad_unit.clone()
        pad[:, :2] = pad[:, :2] * (1 + 2 * m) - m
        outside = ((pad[:, :2] < 0) | (pad[:, :2] > 1)).any(1)
        sp = source(pad[outside, 0], pad[outside, 1], xs, ys, q, sigma)
        loss = loss + WEIGHTS["residual"] * (1 + 2 * m)**2 * (sp**2).sum() / pad.shape[0]
    return loss


def bench(threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    net = Net()
    z = torch.tensor([math.log(0.85 / 0.15), math.log(0.85 / 0.15), math.log(0.1 / 0.9)],
                     requires_grad=True)
    opt = torch.optim.Adam([{"params": net.parameters(), "lr": 1e-3}, {"params": [z], "lr": 5e-3}])
    pts = torch.quasirandom.SobolEngine(3, scramble=True, seed=1).draw(N_COLLOCATION)
    face_pts = faces(gen)
    obs_xyt, obs_u = sensors()
    nudge_obs, nudge_w = nudging(pts, obs_xyt, obs_u)
    pad_unit = torch.quasirandom.SobolEngine(3, scramble=True, seed=97).draw(N_COLLOCATION)
    clock = time.process_time if threads == 1 else time.perf_counter
    best = math.inf
    for k in range(STEPS + 1):
        t0 = clock()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net, z, pts, face_pts, obs_xyt, obs_u, nudge_obs, nudge_w, pad_unit, k / (STEPS + 1))
        loss.backward()
        opt.step()
        t = clock() - t0
        if k > 0:                            # the first step warms up
            best = min(best, t)
    print(f"torch plume2d step, f32, {threads} thread{'' if threads == 1 else 's'}: {best * 1e3:7.1f} ms "
          f"({'process CPU' if threads == 1 else 'wall'} time; torch {torch.__version__})", flush=True)


def main():
    torch.set_num_interop_threads(1)
    for threads in (1, 2):
        bench(threads)


if __name__ == "__main__":
    main()
