"""Rebuilding a picture from a views record (the JSON line of the hasher's `views` example) alone: its width and
height, and for each view the 256-bit PDQ hash and the region. No pixel of the image is used here.

Three rebuilds, each from a chosen subset of the views:
- `signs`: each view's coefficients guessed as +-(expected magnitude), the sign from its bit, inverse DCT of each
  view into its region, the regions averaged where they overlap.
- `least_squares`: one picture whose coefficients, in every view at once, are closest to those guesses, plus a
  small smoothness term for what no view sees (the DC, and the zero frequencies a region's DCT skips).
- `consistent` (the best): starting from `least_squares`, gradient descent until each view's coefficients fall on
  the side of its threshold (PDQ's median) that its bits say, by a margin proportional to the expected magnitude
  (a squared hinge loss, as in 1-bit compressed sensing), with the same smoothness term.

The constants were chosen on six photographs that are not in the figure (labelme q0746, q1050, q0122 of the
shared test data; scikit-image's coffee, chelsea, camera): over smoothness 0.005-0.08, grids of 96-160 pixels,
600-1500 steps and prior exponents 0.5-1.5 the mean 64x64 correlation moved by less than 0.02.
"""

import numpy as np

from . import model

# Working grid: the views see frequencies up to 16 over 55 % of the shorter side, that is ~30 half-periods over
# the image; 128 pixels on the short side hold them with room to spare.
GRID_SHORT = 128
# Weight of the smoothness term (squared gradient, the Gaussian prior with natural images' 1/f^2 power).
SMOOTH = 0.02
# Margin of the sign constraints, in units of the expected magnitude.
MARGIN = 1.0
STEPS = 600


class Problem:
    """The views of one record on a working grid: operators, bits and the guessed coefficients."""

    def __init__(self, record, views):
        self.grid = model.Grid(record["width"], record["height"], GRID_SHORT)
        self.ops = [self.grid.operator(v["region"]) for v in views]
        self.bits = [model.bits_of(v["hash"]) for v in views]
        self.magnitude = model.prior_magnitude()
        self.guesses = [(2.0 * b - 1.0) * self.magnitude for b in self.bits]
        # Gradient step bound: the largest eigenvalue of sum A_v^T A_v is at most the sum of the squared norms.
        self.lipschitz = sum(np.linalg.norm(ly, 2) ** 2 * np.linalg.norm(lx, 2) ** 2 for ly, lx in self.ops)

    def shape(self):
        return self.grid.height, self.grid.width


def whole_only(record):
    return [v for v in record["views"] if v["region"] == [0, 0, model.UNITS, model.UNITS]]


def laplacian(x):
    """-div grad x with mirrored edges: the gradient of 0.5 ||grad x||^2."""
    out = np.zeros_like(x)
    dy = np.diff(x, axis=0)
    dx = np.diff(x, axis=1)
    out[:-1] -= dy
    out[1:] += dy
    out[:, :-1] -= dx
    out[:, 1:] += dx
    return out


def signs(problem):
    total = np.zeros(problem.shape())
    for op, guess in zip(problem.ops, problem.guesses):
        # the adjoint times 1 / ||A||^2 is the region's inverse DCT (the cell averaging's rows are orthogonal)
        ly, lx = op
        total += model.adjoint(op, guess) / (np.linalg.norm(ly, 2) * np.linalg.norm(lx, 2)) ** 2
    return total / np.maximum(coverage(problem), 1)


def coverage(problem):
    """How many views cover each grid pixel."""
    count = np.zeros(problem.shape())
    for ly, lx in problem.ops:
        rows = np.abs(ly).sum(axis=0) > 0
        cols = np.abs(lx).sum(axis=0) > 0
        count += np.outer(rows, cols)
    return count


def normal(problem, x, smooth):
    out = smooth * laplacian(x)
    for op in problem.ops:
        out += model.adjoint(op, model.coefficients(op, x))
    return out


def least_squares(problem, smooth=SMOOTH, iterations=300):
    """Conjugate gradients on (sum A^T A + smooth L) x = sum A^T guess."""
    b = np.zeros(problem.shape())
    for op, guess in zip(problem.ops, problem.guesses):
        b += model.adjoint(op, guess)
    x = np.zeros_like(b)
    r = b - normal(problem, x, smooth)
    p = r.copy()
    rr = np.vdot(r, r)
    for _ in range(iterations):
        q = normal(problem, p, smooth)
        alpha = rr / np.vdot(p, q)
        x += alpha * p
        r -= alpha * q
        rr_new = np.vdot(r, r)
        if rr_new < 1e-12 * np.vdot(b, b):
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


def consistent(problem, smooth=SMOOTH, margin=MARGIN, steps=STEPS, start=None):
    """Squared-hinge descent on the sign constraints (Nesterov's momentum), from the least-squares picture.

    Each view's threshold is a free variable rather than the median of the current coefficients: with the median
    the loss is not convex, and descent finds pictures that meet the constraints by dragging the median with a few
    huge coefficients. With a free threshold it is convex (hinge of a linear function plus a quadratic)."""
    x = least_squares(problem, smooth) if start is None else start.copy()
    thresholds = np.zeros(len(problem.ops))
    # 8: the Laplacian's largest eigenvalue; 256: a threshold's gradient sums 256 slacks
    step = 1.0 / (problem.lipschitz + 8 * smooth + 256)
    y, t_y = x.copy(), thresholds.copy()
    previous, t_previous = x.copy(), thresholds.copy()
    for t in range(steps):
        grad = smooth * laplacian(y)
        t_grad = np.zeros_like(thresholds)
        for v, (op, bits) in enumerate(zip(problem.ops, problem.bits)):
            sign = 2.0 * bits - 1.0
            slack = np.maximum(margin * problem.magnitude - sign * (model.coefficients(op, y) - t_y[v]), 0)
            grad += model.adjoint(op, -sign * slack)
            t_grad[v] = np.sum(sign * slack)
        x = y - step * grad
        thresholds = t_y - step * t_grad
        momentum = t / (t + 3)
        y = x + momentum * (x - previous)
        t_y = thresholds + momentum * (thresholds - t_previous)
        previous, t_previous = x, thresholds
    return x
