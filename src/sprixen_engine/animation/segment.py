"""Part masks and joint pivots for sprites that come without them (user PNGs, model output).

Procedural sprites carry their own parts; any other RGBA sprite is read from its silhouette
(alpha > 0 is opaque; colours are not used):

1. :func:`classify_silhouette` picks a body archetype from measurable shape features
   (:func:`silhouette_features`): bounding-box aspect, fill and solidity, mirror symmetry,
   thickness, geodesic elongation and how much of the shape one medial ribbon explains, the
   free space under the body between "legs", how upright the base is and how thick the top.
2. :func:`facing` tells whether a side view looks right or left. :func:`segment_sprite`
   assumes it looks right: the caller mirrors a left-facing sprite and mirrors the result back.
3. :func:`segment_sprite` splits the opaque pixels into disjoint part masks and places joint
   pivots, with the names the procedural renderers use:

   - ``humanoid_biped``: head, torso, arm_left, arm_right, leg_left, leg_right (+ weapon); the
     character's right side is the near one (arm and leg in front, the weapon hand).
   - ``quadruped``: body, head, tail, leg_front_left/right, leg_back_left/right; the left legs
     are the near ones (a right-facing animal shows its left flank).
   - ``winged``: body, head, tail, wing_left, wing_right, leg_back_left/right; in a side view
     wing_left is the near (back) wing, in a front view the one on the image right.
   - ``amorphous``: body.
   - ``serpentine``: head, body, tail, with pivots ``spine_0`` (neck) … ``spine_8`` (tail tip).

Coordinates are image pixels ``(x, y)``, y down; masks are ``(H, W)`` bool arrays.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
from scipy import ndimage as ndi
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from ..backends.base import ARCHETYPES
from ..errors import invalid

__all__ = ["ARCHETYPES", "SPINE_POINTS", "classify_silhouette", "facing", "segment_sprite", "silhouette_features"]

Point = tuple[float, float]
Parts = dict[str, np.ndarray]
Pivots = dict[str, Point]

MIN_SIDE = 6  # sprites whose opaque box is thinner than this (px) stay one part
CONFIDENCE_TEMPERATURE = 0.1  # softmax temperature turning archetype scores into a confidence
SPINE_POINTS = 9  # serpentine spine pivots: spine_0 (neck) … spine_8 (tail tip), as the renderer writes
TAIL_START = 0.6  # serpentine: the tail is the last 40 % of the medial length
LEGS_BACK = ("leg_back_left", "leg_back_right")  # (near, far): a right-facing animal shows its left side
LEGS_FRONT = ("leg_front_left", "leg_front_right")
# quadruped near upper legs over the body: (half-width / leg width, half-height / body height)
THIGH = {LEGS_BACK[0]: (0.7, 0.35), LEGS_FRONT[0]: (0.5, 0.4)}
BODY_REACH = 1.0  # winged: the body is the mask within this many inscribed radii of the body centre
WING_SECTOR = (20.0, 165.0)  # winged side view, degrees about the body centre (y up, 0 = front): wings
TAIL_SECTOR = (165.0, 250.0)  # … tail
LEG_SECTOR = (250.0, 300.0)  # … legs (also front views)
HEAD_SECTOR = (330.0, 55.0)  # … where the head may lie (wraps through 0)
LEG_TOP = 0.2  # humanoid leg masks start this share of the hip-to-ground height below the hip joints
GRIP_REACH = 0.6  # a held weapon's grip is at least this many torso heights from the shoulder


# -------------------------------------------------------------------------------------- shape
@dataclass(frozen=True)
class _Shape:
    """An opaque mask and the measurements the steps share (each computed once, on demand).

    mask : ``(H, W)`` bool, the opaque pixels of the full frame.
    """

    mask: np.ndarray

    @cached_property
    def bbox(self) -> tuple[int, int, int, int]:
        """``(y0, y1, x0, x1)`` of the opaque pixels, ends exclusive."""
        rows, cols = self.mask.any(1), self.mask.any(0)
        y0, y1 = np.argmax(rows), len(rows) - np.argmax(rows[::-1])
        x0, x1 = np.argmax(cols), len(cols) - np.argmax(cols[::-1])
        return int(y0), int(y1), int(x0), int(x1)

    @property
    def h(self) -> int:
        return self.bbox[1] - self.bbox[0]

    @property
    def w(self) -> int:
        return self.bbox[3] - self.bbox[2]

    @property
    def mid_x(self) -> float:
        """x of the bounding box's centre column."""
        return (self.bbox[2] + self.bbox[3] - 1) / 2

    @cached_property
    def crop(self) -> np.ndarray:
        """``(h, w)`` bool, the mask cut to its bounding box."""
        y0, y1, x0, x1 = self.bbox
        return self.mask[y0:y1, x0:x1]

    @cached_property
    def dt(self) -> np.ndarray:
        """``(H, W)`` float32 Euclidean distance (px) from each opaque pixel to the nearest transparent one."""
        padded = np.pad(self.mask, 1).astype(np.uint8)
        return cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]

    @cached_property
    def main(self) -> np.ndarray:
        """``(H, W)`` bool, the largest 8-connected component."""
        labels, n = ndi.label(self.mask, np.ones((3, 3), bool))
        if n <= 1:
            return self.mask
        return labels == np.argmax(np.bincount(labels.ravel())[1:]) + 1

    @cached_property
    def graph(self) -> _PixelGraph:
        """The pixel graph of :attr:`main`."""
        return _PixelGraph.of(self.main)


def _alpha_of(image: np.ndarray) -> np.ndarray:
    """The ``(H, W)`` alpha of an ``(H, W)`` alpha or ``(H, W, 4)`` RGBA array."""
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 4:
        return a[..., 3]
    if a.ndim == 2:
        return a
    raise invalid("sprite", "must be an (H, W) alpha or (H, W, 4) RGBA array", f"shape {a.shape}")


def _shape_of(image: np.ndarray) -> _Shape:
    """The :class:`_Shape` of a sprite's opaque pixels (alpha > 0); refuses an empty sprite."""
    mask = _alpha_of(image) > 0
    if not mask.any():
        raise invalid("sprite", "must have at least one opaque pixel (alpha > 0)",
                      f"{mask.shape[1]}x{mask.shape[0]} fully transparent")
    return _Shape(mask)


def _check_archetype(archetype: str) -> None:
    if archetype not in ARCHETYPES:
        raise invalid("archetype", f"must be one of {', '.join(ARCHETYPES)}", archetype)


# ----------------------------------------------------------------------------- small helpers
def _ramp(x: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi``, linear between and clipped (``lo > hi`` ramps downwards)."""
    return float(np.clip((x - lo) / (hi - lo), 0.0, 1.0))


def _runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and (exclusive) ends of the runs of True in a 1-D bool array."""
    d = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _finite(d: np.ndarray) -> np.ndarray:
    """``d`` with unreachable (infinite) distances set to -1."""
    return np.where(np.isfinite(d), d, -1.0)


def _centroid(mask: np.ndarray) -> Point:
    """``(x, y)`` mean of a non-empty ``(H, W)`` bool mask."""
    ys, xs = np.nonzero(mask)
    return float(xs.mean()), float(ys.mean())


def _nearest_in(mask: np.ndarray, p: Point) -> Point:
    """The pixel of a non-empty ``mask`` nearest ``p``."""
    ys, xs = np.nonzero(mask)
    k = int(np.argmin((xs - p[0]) ** 2 + (ys - p[1]) ** 2))
    return float(xs[k]), float(ys[k])


def _farthest_in(mask: np.ndarray, p: Point) -> Point:
    """The pixel of a non-empty ``mask`` farthest from ``p``."""
    ys, xs = np.nonzero(mask)
    k = int(np.argmax((xs - p[0]) ** 2 + (ys - p[1]) ** 2))
    return float(xs[k]), float(ys[k])


def _contact(a: np.ndarray, b: np.ndarray) -> Point | None:
    """Centre of the pixels of mask ``a`` that touch mask ``b`` (8-neighbours), or None."""
    touch = a & cv2.dilate(b.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return _centroid(touch) if touch.any() else None


def _angles(shape: _Shape, centre: Point) -> np.ndarray:
    """``(H, W)`` angle in degrees [0, 360) of each pixel about ``centre`` (x right, y up)."""
    ys, xs = np.indices(shape.mask.shape)
    return np.degrees(np.arctan2(centre[1] - ys, xs - centre[0])) % 360.0


def _in_sector(angles: np.ndarray, sector: tuple[float, float]) -> np.ndarray:
    """``angles`` within ``[start, end)`` degrees, wrapping through 0 when ``start > end``."""
    start, end = sector
    return (angles >= start) & (angles < end) if start <= end else (angles >= start) | (angles < end)


def _mirror_iou(crop: np.ndarray) -> float:
    """IoU of a bool mask with its left-right mirror (1 for a symmetric front view)."""
    mirrored = crop[:, ::-1]
    return float((crop & mirrored).sum() / (crop | mirrored).sum())


def _pieces(mask: np.ndarray, min_extent: float) -> list[np.ndarray]:
    """The 8-connected pieces of ``mask`` whose bounding-box diagonal is at least ``min_extent`` px,
    longest first."""
    labels, n = ndi.label(mask, np.ones((3, 3), bool))
    found = []
    for i, box in enumerate(ndi.find_objects(labels), start=1):
        extent = float(np.hypot(box[0].stop - box[0].start, box[1].stop - box[1].start))
        if extent >= min_extent:
            found.append((extent, labels == i))
    return [m for _, m in sorted(found, key=lambda t: -t[0])]


# --------------------------------------------------------------------------- geodesic paths
@dataclass(frozen=True)
class _PixelGraph:
    """The pixels of a mask as graph nodes, 8-neighbours joined by edges of length 1 or √2.

    ys, xs : ``(N,)`` node coordinates. adjacency : ``(N, N)`` sparse edge lengths.
    """

    ys: np.ndarray
    xs: np.ndarray
    adjacency: csr_matrix

    @classmethod
    def of(cls, mask: np.ndarray) -> _PixelGraph:
        ys, xs = np.nonzero(mask)
        index = np.full((mask.shape[0] + 2, mask.shape[1] + 2), -1, np.int64)
        index[ys + 1, xs + 1] = np.arange(len(ys))
        src, dst, length = [], [], []
        for dy, dx, step in ((0, 1, 1.0), (1, 0, 1.0), (1, 1, 2 ** 0.5), (1, -1, 2 ** 0.5)):
            nb = index[ys + 1 + dy, xs + 1 + dx]
            ok = nb >= 0
            src.append(np.flatnonzero(ok))
            dst.append(nb[ok])
            length.append(np.full(int(ok.sum()), step))
        n = len(ys)
        src, dst, length = np.concatenate(src + dst), np.concatenate(dst + src), np.concatenate(length + length)
        order = np.argsort(src, kind="stable")  # both directions stored, rows in order: CSR directly
        indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))])
        return cls(ys, xs, csr_matrix((length[order], dst[order].astype(np.int32), indptr.astype(np.int32)),
                                      shape=(n, n)))

    def distances(self, *sources: int) -> np.ndarray:
        """``(N,)`` geodesic distance (px) of every node to the nearest of the ``sources`` nodes."""
        return dijkstra(self.adjacency, directed=True, indices=np.array(sources), min_only=True)

    def farthest_pair(self) -> tuple[int, int, np.ndarray]:
        """Two far-apart nodes ``(a, b)`` (double sweep: the ends of the geodesic diameter) and the
        ``(N,)`` distances from ``a``."""
        a = int(np.argmax(_finite(self.distances(int(np.argmin(self.ys * 4096 + self.xs))))))
        from_a = self.distances(a)
        return a, int(np.argmax(_finite(from_a))), from_a

    def nearest(self, p: Point, among: np.ndarray | None = None) -> int:
        """The node nearest ``p`` (among the ``(N,)`` bool ``among`` nodes when given)."""
        d = (self.xs - p[0]) ** 2 + (self.ys - p[1]) ** 2
        return int(np.argmin(d if among is None else np.where(among, d, np.inf)))

    def to_mask(self, nodes: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        """``(H, W)`` bool image of the ``(N,)`` bool ``nodes``."""
        out = np.zeros(shape, bool)
        out[self.ys[nodes], self.xs[nodes]] = True
        return out


def _band_centroids(graph: _PixelGraph, dist: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Centroids of the non-empty geodesic distance bands ``[k·step, (k+1)·step)``: ``(K, 2)`` float
    ``(x, y)`` and the ``(K,)`` distance of each band's middle.

    Along a ribbon each band is a cross-section, so the centroids trace its medial axis from the
    source outwards; where the shape branches a band holds several pieces and its centroid
    falls between them.
    """
    ok = np.isfinite(dist)
    band = (dist[ok] / step).astype(np.int64)
    count = np.bincount(band)
    keep = count > 0
    cx = np.bincount(band, graph.xs[ok])[keep] / count[keep]
    cy = np.bincount(band, graph.ys[ok])[keep] / count[keep]
    return np.column_stack([cx, cy]), (np.flatnonzero(keep) + 0.5) * step


def _band_counts(dist: np.ndarray, step: float) -> np.ndarray:
    """Nodes per geodesic band ``[k·step, (k+1)·step)`` averaged over 3 bands: a cross-section profile."""
    counts = np.bincount((dist[np.isfinite(dist)] / step).astype(np.int64)).astype(float)
    return np.convolve(counts, np.ones(3) / 3, mode="same")


# ----------------------------------------------------------------------------------- features
def _solidity(crop: np.ndarray) -> float:
    """Opaque pixels over the pixels of their convex hull."""
    hull = np.zeros(crop.shape, np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(crop.astype(np.uint8))), 1)
    return float(crop.sum() / max(int(hull.sum()), 1))


def _leg_gap(crop: np.ndarray) -> tuple[float, float]:
    """The free space under the body: ``(gap width / w, gap height / h)``.

    The bottom band (12 % of the height, at least 2 rows) is split into runs of occupied
    columns; the widest gap between two runs is measured, and its height is how far up its
    middle column stays transparent. Four-legged stances give wide, tall gaps.
    """
    h, w = crop.shape
    starts, ends = _runs(crop[h - max(2, round(0.12 * h)):].any(0))
    if len(starts) < 2:
        return 0.0, 0.0
    gaps = starts[1:] - ends[:-1]
    i = int(np.argmax(gaps))
    column = crop[:, (ends[i] + starts[i + 1]) // 2]
    free = h - 1 - np.flatnonzero(column).max() if column.any() else h
    return float(gaps[i] / w), float(free / h)


def _upright_base(crop: np.ndarray) -> float:
    """How vertical the bottom fifth is: its mean row width over the width of its column footprint.

    Legs, robes and blob bottoms stand straight (near 1); wing tips, tails and splayed limbs
    reaching down diagonally spread the footprint (near 0.5).
    """
    base = crop[crop.shape[0] - max(2, round(0.2 * crop.shape[0])):]
    return float(base.sum(1).mean() / max(int(base.any(0).sum()), 1))


def _ribbon_share(shape: _Shape, spine: np.ndarray) -> float:
    """Share of the main component within the local half-width of the ``(K, 2)`` ``(x, y)`` spine.

    The spine polyline is drawn and each pixel is tested against the distance-transform value at
    its nearest spine pixel (the ribbon's half-width there, 0 where the spine leaves the shape).
    A snake is all ribbon; legs, arms and wings stick out of it.
    """
    line = np.zeros(shape.mask.shape, np.uint8)
    cv2.polylines(line, [np.round(spine).astype(np.int32)], False, 1)
    dist, (iy, ix) = ndi.distance_transform_edt(line == 0, return_indices=True)
    near = dist <= shape.dt[iy, ix] + 1.5
    return float((near & shape.main).sum() / shape.main.sum())


def _features(shape: _Shape) -> dict[str, float]:
    """The measurements documented in :func:`silhouette_features`."""
    crop = shape.crop
    h, w = crop.shape
    y0, y1, x0, x1 = shape.bbox
    dt = shape.dt[y0:y1, x0:x1]
    _, far_end, from_end = shape.graph.farthest_pair()
    length = float(from_end[far_end])
    gap_w, gap_h = _leg_gap(crop)
    return {
        "aspect": w / h,
        "fill": float(crop.mean()),
        "solidity": _solidity(crop),
        "symmetry": _mirror_iou(crop),
        "thickness": float(dt.max()) / max(h, w),
        "elongation": length * length / float(shape.main.sum()),
        "ribbon": _ribbon_share(shape, _band_centroids(shape.graph, from_end, step=2.0)[0]),
        "top_thickness": float(dt[: max(1, h // 4)].max() / dt.max()),
        "leg_gap": gap_w,
        "leg_height": gap_h,
        "upright_base": _upright_base(crop),
    }


def silhouette_features(alpha: np.ndarray) -> dict[str, float]:
    """Shape measurements of a sprite's opaque pixels, the evidence :func:`classify_silhouette` weighs.

    Parameters
    ----------
    alpha : ``(H, W)`` alpha or ``(H, W, 4)`` RGBA array; alpha > 0 is opaque.

    Returns
    -------
    dict of floats, measured on the opaque bounding box (``h x w``):

    - ``aspect``: ``w / h``.
    - ``fill``: opaque share of the box; ``solidity``: opaque share of the convex hull.
    - ``symmetry``: IoU of the shape with its left-right mirror (front views are near 1).
    - ``thickness``: the largest inscribed radius over ``max(h, w)``.
    - ``elongation``: ``L² / area`` with ``L`` the geodesic diameter (px) of the largest
      component: about 1.5 for a disc, above 4 for snakes.
    - ``ribbon``: share of that component within the local half-width of its medial line (the
      centroids of geodesic bands from one end): 1 for a snake, lower for anything with limbs.
    - ``top_thickness``: the largest inscribed radius in the top quarter over the overall one
      (a humanoid's head is thick, wing tips are thin).
    - ``leg_gap``, ``leg_height``: width (over ``w``) and height (over ``h``) of the widest free
      gap between the "legs" standing in the bottom band.
    - ``upright_base``: how vertical the bottom fifth is (legs near 1, wing tips and tails lower).
    """
    return _features(_shape_of(alpha))


# ----------------------------------------------------------------------------- classification
def _archetype_scores(f: dict[str, float]) -> dict[str, float]:
    """Per-archetype evidence in [0, 1]: the weighted mean of soft tests on the features.

    Each archetype lists ``(test, weight)`` pairs; a test is a :func:`_ramp` of one feature (or
    a product of two), so a score reads as "how many of the archetype's traits the shape shows".
    """
    snake_like = _ramp(f["elongation"], 3.0, 4.5) * _ramp(f["ribbon"], 0.85, 0.95)
    legs = _ramp(f["leg_height"], 0.1, 0.22) * _ramp(f["leg_gap"], 0.01, 0.05)
    tall = _ramp(f["aspect"], 1.0, 0.75)
    upright = _ramp(f["upright_base"], 0.6, 0.8)
    tests = {
        # upright figure, a thick head on top, straight legs
        "humanoid_biped": [(tall, 2), (upright, 1), (_ramp(f["top_thickness"], 0.3, 0.7), 2), (1 - snake_like, 1)],
        # wide, asymmetric (side view), free space under the belly between the legs
        "quadruped": [(1 - tall, 1), (legs, 2), (upright, 1), (_ramp(f["symmetry"], 0.85, 0.75), 1),
                      (1 - snake_like, 1)],
        # thin wing tips on top, spread wide, wings or tail splayed at the bottom, concave outline
        "winged": [(_ramp(f["top_thickness"], 0.7, 0.45), 2), (_ramp(f["aspect"], 0.7, 0.95), 2),
                   (1 - upright, 1), (_ramp(f["solidity"], 0.9, 0.8), 1), (1 - snake_like, 1)],
        # a thick, convex, mirror-symmetric blob
        "amorphous": [(_ramp(f["solidity"], 0.78, 0.88), 1), (_ramp(f["symmetry"], 0.6, 0.8), 2),
                      (_ramp(f["thickness"], 0.22, 0.3), 1), (1 - snake_like, 1)],
        # a long thin ribbon
        "serpentine": [(snake_like, 2), (_ramp(f["thickness"], 0.18, 0.12), 1)],
    }
    return {name: sum(v * w for v, w in t) / sum(w for _, w in t) for name, t in tests.items()}


def classify_silhouette(alpha: np.ndarray) -> tuple[str, float, dict[str, float]]:
    """Guess the body archetype of a sprite from its silhouette.

    Parameters
    ----------
    alpha : ``(H, W)`` alpha or ``(H, W, 4)`` RGBA array; alpha > 0 is opaque.

    Returns
    -------
    ``(archetype, confidence, scores)``: the best-scoring of :data:`ARCHETYPES`; its softmax
    share of the scores at temperature :data:`CONFIDENCE_TEMPERATURE`, in [0, 1] (on the
    procedural sprites, 99 % of the answers above 0.8 are right and 83 % of those between 0.4
    and 0.6); and every archetype's score in [0, 1] (see :func:`silhouette_features`).

    Raises
    ------
    InvalidRequest : the array is not ``(H, W)`` / ``(H, W, 4)`` or has no opaque pixel.

    Examples
    --------
    >>> import cv2, numpy as np
    >>> blob = cv2.ellipse(np.zeros((64, 64), np.uint8), (32, 40), (24, 18), 0, 0, 360, 255, -1)
    >>> classify_silhouette(blob)[0]
    'amorphous'
    """
    scores = _archetype_scores(silhouette_features(alpha))
    best = max(scores, key=scores.__getitem__)
    weights = [np.exp((v - scores[best]) / CONFIDENCE_TEMPERATURE) for v in scores.values()]
    return best, float(1.0 / sum(weights)), scores


# ------------------------------------------------------------------------------------- facing
def _front_cue_humanoid(shape: _Shape) -> float:
    """Weapons, arms and noses stick out in front: the thickest part sits behind the box centre."""
    return shape.mid_x - float(np.nonzero(shape.dt >= 0.9 * shape.dt.max())[1].mean())


def _front_cue_quadruped(shape: _Shape) -> float:
    """Head and neck rise at the front: the top 45 % of the rows leans forward of the box centre."""
    xs = np.nonzero(shape.mask[shape.bbox[0]:shape.bbox[0] + int(0.45 * shape.h) + 1])[1]
    return float((xs - shape.mid_x).sum())


def _front_cue_winged(shape: _Shape) -> float:
    """Tails trail behind and below: the bottom 30 % of the rows leans backward (0 for front views)."""
    xs = np.nonzero(shape.mask[shape.bbox[1] - int(0.3 * shape.h) - 1:shape.bbox[1]])[1]
    return -float((xs - shape.mid_x).sum())


def _front_cue_serpentine(shape: _Shape) -> float:
    """The head end (:func:`_serpent_axis`) lies on the front side of the tail end."""
    g = shape.graph
    dist, length = _serpent_axis(shape)
    return float(g.xs[dist <= 0.15 * length].mean() - g.xs[dist >= 0.85 * length].mean())


_FRONT_CUES: dict[str, Callable[[_Shape], float]] = {
    "humanoid_biped": _front_cue_humanoid,
    "quadruped": _front_cue_quadruped,
    "winged": _front_cue_winged,
    "amorphous": lambda shape: 0.0,  # a blob has no front; mirroring it changes nothing
    "serpentine": _front_cue_serpentine,
}


def facing(image: np.ndarray, archetype: str) -> str:
    """Which way a side-view sprite looks: ``"right"`` or ``"left"``.

    Parameters
    ----------
    image : ``(H, W, 4)`` RGBA or ``(H, W)`` alpha; alpha > 0 is opaque.
    archetype : one of :data:`ARCHETYPES`; each has its own silhouette cue (humanoids: what sticks
        out in front of the body; quadrupeds: head and neck up front; winged: the tail trails
        behind and below; serpents: the head end). Blobs and symmetric front views give
        ``"right"``.

    :func:`segment_sprite` assumes ``"right"``: mirror a left-facing sprite (``rgba[:, ::-1]``)
    before segmenting, then mirror the masks back and map pivots ``x -> W - 1 - x``.

    Raises
    ------
    InvalidRequest : unknown ``archetype``; an array that is not ``(H, W[, 4])``; no opaque pixel.
    """
    _check_archetype(archetype)
    return "right" if _FRONT_CUES[archetype](_shape_of(image)) >= 0 else "left"


# -------------------------------------------------------------------------------- segmentation
def _complete(shape: _Shape, labels: np.ndarray, names: list[str]) -> Parts:
    """Part masks from an ``(H, W)`` int label image (0 = not yet assigned, ``i`` = ``names[i - 1]``).

    Every unassigned opaque pixel joins the part of its nearest labelled pixel, so the masks
    are disjoint and cover the opaque pixels exactly; empty parts are left out.
    """
    labels = np.where(shape.mask, labels, 0)
    if not labels.any():
        return {names[0]: shape.mask.copy()}
    _, (iy, ix) = ndi.distance_transform_edt(labels == 0, return_indices=True)
    labels = np.where(shape.mask, labels[iy, ix], 0)
    return {name: labels == i for i, name in enumerate(names, start=1) if (labels == i).any()}


def _ground(shape: _Shape, x: float | None = None) -> Point:
    """The ground pivot: ``x`` (default: the opaque centroid) on the bottom edge of the lowest row."""
    return (_centroid(shape.mask)[0] if x is None else float(x)), float(shape.bbox[1]) - 0.5


def _segment_whole(shape: _Shape, name: str) -> tuple[Parts, Pivots]:
    """One part ``name`` holding every opaque pixel; pivots ``center`` (centroid) and ``ground``."""
    return {name: shape.mask.copy()}, {"center": _centroid(shape.mask), "ground": _ground(shape)}


def _segment_amorphous(shape: _Shape) -> tuple[Parts, Pivots]:
    """One ``body``; pivots ``center`` (centroid) and ``ground``."""
    return _segment_whole(shape, "body")


# ----------------------------------------------------------------------------------- serpentine
def _serpent_head_score(shape: _Shape, dist: np.ndarray) -> float:
    """How much the end ``dist`` is measured from looks like a head: thick and raised."""
    g = shape.graph
    end = dist <= 0.15 * _finite(dist).max()
    thick = float(shape.dt[g.ys[end], g.xs[end]].max() / shape.dt.max())
    height = 1.0 - (float(g.ys[end].mean()) - shape.bbox[0]) / shape.h
    return thick + 0.5 * height


def _serpent_axis(shape: _Shape) -> tuple[np.ndarray, float]:
    """``(N,)`` geodesic distance of every main-component node from the head end, and the length (px).

    The two ends of the geodesic diameter are compared with :func:`_serpent_head_score`.
    """
    g = shape.graph
    _, b, from_a = g.farthest_pair()
    from_b = g.distances(b)
    dist = from_a if _serpent_head_score(shape, from_a) >= _serpent_head_score(shape, from_b) else from_b
    return dist, float(_finite(dist).max())


def _segment_serpentine(shape: _Shape) -> tuple[Parts, Pivots]:
    """``head``, ``body`` and ``tail`` cut across the medial axis; pivots along it.

    The medial axis is the chain of geodesic band centroids from the head end
    (:func:`_serpent_axis`, :func:`_band_centroids`). The head runs from the tip to half an inscribed
    radius past the thickest point in the first 10 % (about ``1.5 r`` for a round head, more behind
    a tongue or snout), the tail is the last ``1 - TAIL_START`` of the axis;
    ``spine_0`` (the neck) … ``spine_8`` (the tail tip) are evenly spaced between; ``ground`` is
    under their mean x.
    """
    g = shape.graph
    dist, length = _serpent_axis(shape)
    spine, spine_dist = _band_centroids(g, dist, max(1.0, length / (4 * SPINE_POINTS)))

    def along(d: float) -> Point:
        return float(np.interp(d, spine_dist, spine[:, 0])), float(np.interp(d, spine_dist, spine[:, 1]))

    # the head reaches half its inscribed radius past its thickest point near the head end
    thickness = np.where(dist <= 0.1 * length, shape.dt[g.ys, g.xs], -1.0)
    centre = int(np.argmax(thickness))
    head_len = min(float(dist[centre]) + 0.5 * float(thickness[centre]) + 1.0, 0.3 * length)
    tail_start = max(TAIL_START * length, head_len + 1.0)
    labels = np.zeros(shape.mask.shape, np.int32)
    labels[g.ys, g.xs] = np.where(dist <= head_len, 1, np.where(dist >= tail_start, 3, 2))
    parts = _complete(shape, labels, ["head", "body", "tail"])

    pivots = {f"spine_{i}": along(d) for i, d in enumerate(np.linspace(head_len, length, SPINE_POINTS))}
    pivots["head"] = _centroid(parts["head"]) if "head" in parts else pivots["spine_0"]
    pivots["neck"] = pivots["spine_0"]
    pivots["tail_base"] = along(tail_start)
    pivots["tail_tip"] = pivots[f"spine_{SPINE_POINTS - 1}"]
    pivots["ground"] = _ground(shape, float(np.mean([pivots[f"spine_{i}"][0] for i in range(SPINE_POINTS)])))
    return parts, pivots


# ------------------------------------------------------------------------------------ quadruped
def _ground_band(shape: _Shape) -> slice:
    """Rows of the ground band, where feet stand: the bottom 4 % of the opaque height, at least 2 rows."""
    return slice(shape.bbox[1] - max(2, round(0.04 * shape.h)), shape.bbox[1])


def _ground_runs(shape: _Shape) -> list[tuple[int, int]]:
    """``[(x0, x1), ...]`` column runs (full-frame x, end exclusive) touched in the ground band."""
    x0, x1 = shape.bbox[2:]
    starts, ends = _runs(shape.mask[_ground_band(shape), x0:x1].any(0))
    return [(int(a) + x0, int(b) + x0) for a, b in zip(starts, ends)]


def _merge_closest(runs: list[tuple[int, int]], keep: int) -> list[tuple[int, int]]:
    """Merge neighbouring runs across the narrowest gaps until at most ``keep`` remain."""
    runs = list(runs)
    while len(runs) > keep:
        i = int(np.argmin([b[0] - a[1] for a, b in zip(runs[:-1], runs[1:])]))
        runs[i:i + 2] = [(runs[i][0], runs[i + 1][1])]
    return runs


def _split_run(run: tuple[int, int], outer_left: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """``(outer, inner)`` halves of a column run; ``outer_left``: the outer half is the left one."""
    mid = (run[0] + run[1] + 1) // 2
    left, right = (run[0], mid), (mid, run[1])
    return (left, right) if outer_left else (right, left)


def _leg_slots(runs: list[tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Ground-band column range of each of the four legs, from 1–4 ground runs (left to right).

    The back pair is on the left, the front pair on the right; in each pair the outer leg is the
    near one (``_left``; the renderers offset the far legs inwards). A pair seen as one run
    (legs overlapping, or the far leg hidden) shares it: the outer half is the near leg.
    """
    runs = _merge_closest(runs, 4)
    if len(runs) == 1:
        groups = [[half] for half in _split_run(runs[0], outer_left=True)]
    elif len(runs) == 3:
        cut = 1 if runs[1][0] - runs[0][1] >= runs[2][0] - runs[1][1] else 2
        groups = [runs[:cut], runs[cut:]]
    else:
        groups = [runs[: len(runs) // 2], runs[len(runs) // 2:]]
    slots = {}
    for names, group, outer_left in ((LEGS_BACK, groups[0], True), (LEGS_FRONT, groups[1], False)):
        pair = _split_run(group[0], outer_left) if len(group) == 1 else (group if outer_left else group[::-1])
        slots.update(zip(names, pair))
    return slots


def _belly_row(shape: _Shape, runs: list[tuple[int, int]]) -> int:
    """Row of the body's underside: the median lowest opaque pixel over the gaps between ground runs.

    Without a gap (legs merged into one run) the underside is taken 30 % of the height above
    the ground.
    """
    y0, y1 = shape.bbox[:2]
    gap_cols = [x for a, b in zip(runs[:-1], runs[1:]) for x in range(a[1], b[0])]
    bottoms = [y0 + np.flatnonzero(shape.mask[y0:y1, x]).max() for x in gap_cols if shape.mask[y0:y1, x].any()]
    return int(np.median(bottoms)) if bottoms else int(round(y1 - 0.3 * shape.h))


def _leg_labels(shape: _Shape, slots: dict[str, tuple[int, int]], belly: int, names: list[str]) -> np.ndarray:
    """``(H, W)`` int labels (``names`` index + 1) of the leg pixels below the belly row.

    The ground band is labelled by slot columns; the rest of each leg (the pieces below the belly
    that reach the ground band) follows its nearest labelled pixel.
    """
    region = shape.mask.copy()
    region[: belly + 1] = False
    seeds = np.zeros(shape.mask.shape, np.int32)
    for name, (a, b) in slots.items():
        seeds[_ground_band(shape), a:b] = names.index(name) + 1
    seeds = np.where(region, seeds, 0)
    if not seeds.any():
        return seeds
    pieces, _ = ndi.label(region, np.ones((3, 3), bool))
    region = np.isin(pieces, np.unique(pieces[seeds > 0]))
    _, (iy, ix) = ndi.distance_transform_edt(seeds == 0, return_indices=True)
    return np.where(region, seeds[iy, ix], 0)


def _head_cut(counts: np.ndarray, step: float, reach: float) -> float:
    """Geodesic distance from the head tip at which the head ends (the neck).

    ``counts`` is the cross-section profile from the tip (:func:`_band_counts`) and ``reach``
    the distance from the tip to the body centre. The head ends where the profile first drops
    below 80 % of its running maximum, between 35 % and 85 % of the reach; at 60 % without a drop.
    """
    lo, hi = int(0.35 * reach / step), min(int(0.85 * reach / step), len(counts))
    peak = np.maximum.accumulate(counts)
    drops = [k for k in range(lo, hi) if counts[k] < 0.8 * peak[k]]
    return drops[0] * step if drops else 0.6 * reach


def _tail_cut(counts: np.ndarray, step: float, reach: float) -> float:
    """Geodesic distance from the tail tip at which the tail meets the body.

    The tail is thin: it ends at the first band wider than twice the median of the bands before
    it (the rump), at most 80 % of the ``reach`` to the body centre.
    """
    before = sorted(counts[:2])
    for k in range(2, min(int(0.8 * reach / step), len(counts))):
        if counts[k] > before[(k - 1) // 2] + before[k // 2]:  # twice the median of counts[:k]
            return k * step
        bisect.insort(before, counts[k])
    return 0.8 * reach


def _branch(shape: _Shape, region: np.ndarray, centre: int, tip: int,
            cut_at: Callable[[np.ndarray, float, float], float]) -> np.ndarray:
    """``(N,)`` bool: the nodes of ``region`` within the branch that ends at node ``tip``.

    ``centre`` is the body-centre node; ``cut_at(counts, step, reach)`` (:func:`_head_cut`,
    :func:`_tail_cut`) says how far from the tip the branch reaches.
    """
    dist = np.where(region, shape.graph.distances(tip), np.inf)
    step = max(1.0, 0.02 * max(shape.h, shape.w))
    return dist < cut_at(_band_counts(dist, step), step, float(dist[centre]))


def _farthest_node(dist: np.ndarray, candidates: np.ndarray) -> int | None:
    """The node among the ``(N,)`` bool ``candidates`` with the largest finite ``dist``, or None."""
    score = np.where(candidates & np.isfinite(dist), dist, -1.0)
    return int(np.argmax(score)) if score.max() > 0 else None


def _leg_joints(legs: np.ndarray, names: list[str], belly: int, top: int) -> dict[str, Point]:
    """Hip / shoulder of each leg in ``legs`` (``(H, W)`` labels): above its top-row centre, 30 % of
    the body height (``top`` to ``belly``) over the belly row."""
    row = legs[min(belly + 1, legs.shape[0] - 1)]
    joints = {}
    for i, name in enumerate(names, start=1):
        cols = np.flatnonzero(row == i)
        if cols.size == 0:
            cols = np.flatnonzero((legs == i).any(0))
        if cols.size:
            joints[name] = (float(cols.mean()), belly - 0.3 * max(belly - top, 1))
    return joints


def _thighs(shape: _Shape, labels: np.ndarray, names: list[str], joints: dict[str, Point], depth: int) -> np.ndarray:
    """``(H, W)`` labels of the near legs' upper parts over the body: an ellipse about each joint.

    Sizes from :data:`THIGH`, relative to the leg's widest row and the body height ``depth``;
    only body pixels (label 1) are taken.
    """
    out = np.zeros(shape.mask.shape, np.uint8)
    for name, (kw, kh) in THIGH.items():
        if name in joints:
            i = names.index(name) + 1
            width = max(1, int((labels == i).sum(1).max()))
            x, y = joints[name]
            axes = (max(1, int(round(kw * width))), max(1, int(round(kh * depth))))
            cv2.ellipse(out, (int(round(x)), int(round(y))), axes, 0, 0, 360, i, -1)
    return np.where(labels == 1, out, 0)


def _segment_quadruped(shape: _Shape) -> tuple[Parts, Pivots]:
    """Body, head, tail and four legs of a right-facing four-legged animal, with their joints.

    1. Legs: the ground runs (:func:`_leg_slots`) below the belly row (:func:`_belly_row`).
    2. Body centre: the centroid of the pixels above the legs' column span.
    3. Head: the branch ending at the geodesically farthest node in front of the centre, cut at
       the neck (:func:`_head_cut`). Tail: the branch ending at the farthest node behind, cut
       where it widens into the rump (:func:`_tail_cut`), kept only behind the back legs and
       when thinner than half the body.
    4. The near legs take an upper-leg ellipse over the body (:func:`_thighs`).
    """
    g = shape.graph
    names = ["body", "head", "tail", *LEGS_BACK, *LEGS_FRONT]
    runs = _ground_runs(shape)
    slots = _leg_slots(runs)
    belly = _belly_row(shape, runs)
    labels = _leg_labels(shape, slots, belly, names)

    upper = shape.mask & (labels == 0)
    x_back, x_front = min(a for a, _ in slots.values()), max(b for _, b in slots.values())
    barrel = np.zeros_like(upper)
    barrel[:, x_back:x_front] = upper[:, x_back:x_front]
    if not barrel.any():
        barrel = upper if upper.any() else shape.mask
    cx, cy = _centroid(barrel)
    body_radius = float(shape.dt[barrel].max())
    region = upper[g.ys, g.xs]
    centre = g.nearest((cx, cy), among=region)
    from_centre = np.where(region, g.distances(centre), np.inf)

    head = np.zeros(len(g.ys), bool)
    tail = np.zeros(len(g.ys), bool)
    if (tip := _farthest_node(from_centre, g.xs > cx)) is not None:
        head = _branch(shape, region, centre, tip, _head_cut)
    if (tip := _farthest_node(from_centre, (g.xs < cx) & ~head)) is not None:
        tail = _branch(shape, region & ~head, centre, tip, _tail_cut) & (g.xs < x_back - 0.5 * body_radius)
    if tail.any() and np.median(shape.dt[g.ys[tail], g.xs[tail]]) > 0.5 * body_radius:
        tail[:] = False  # a thick "tail" is the rump
    labels[g.ys, g.xs] = np.where(head, 2, np.where(tail, 3, np.maximum(labels[g.ys, g.xs], 1)))

    top = int(np.flatnonzero(barrel.any(1))[0])
    joints = _leg_joints(labels, names, belly, top)
    thighs = _thighs(shape, labels, names, joints, belly - top)
    parts = _complete(shape, np.where(thighs > 0, thighs, labels), names)
    return parts, _quadruped_pivots(shape, parts, slots, joints)


def _quadruped_pivots(shape: _Shape, parts: Parts, slots: dict[str, tuple[int, int]],
                      joints: dict[str, Point]) -> Pivots:
    """Joints of a segmented quadruped: leg tops and feet, neck, head, tail base, ground."""
    pivots: Pivots = {}
    for name, (a, b) in slots.items():
        foot = ((a + b - 1) / 2, float(shape.bbox[1]) - 0.5)
        pivots[name.replace("leg_", "shoulder_" if "front" in name else "hip_")] = joints.get(name, foot)
        pivots[name.replace("leg_", "foot_")] = foot
    pivots["hip_front"] = pivots["shoulder_front_left"]
    pivots["hip_back"] = pivots["hip_back_left"]
    body = parts.get("body", shape.mask)
    if "head" in parts:
        pivots["head"] = _centroid(parts["head"])
        pivots["neck"] = _contact(parts["head"], body) or pivots["head"]
    if "tail" in parts:
        pivots["tail_base"] = _contact(parts["tail"], body) or _centroid(parts["tail"])
    feet = [pivots[name.replace("leg_", "foot_")][0] for name in slots]
    pivots["ground"] = _ground(shape, float(np.mean(feet)))
    return pivots


# --------------------------------------------------------------------------------------- winged
def _body_disc(shape: _Shape, front_view: bool) -> np.ndarray:
    """``(H, W)`` bool body of a flying creature: a disc about the body centre.

    The centre is the opaque centroid of the bottom 40 % of the rows (wings rise above the body;
    tail, head and legs balance around it), on the mirror axis for a front view, moved onto the
    nearest opaque pixel. The body is the mask within :data:`BODY_REACH` inscribed radii of it
    (wings side by side can be as thick as the body, so thickness alone cannot cut them off).
    """
    low = shape.mask.copy()
    low[: shape.bbox[1] - max(1, int(0.4 * shape.h))] = False
    cx, cy = _centroid(low)
    x, y = (int(v) for v in _nearest_in(shape.mask, (shape.mid_x if front_view else cx, cy)))
    yy, xx = np.indices(shape.mask.shape)
    return shape.mask & (np.hypot(yy - y, xx - x) <= BODY_REACH * float(shape.dt[y, x]) + 0.5)


def _side_head(shape: _Shape, centre: Point) -> np.ndarray:
    """``(H, W)`` bool head of a side view: the branch from the front-most pixel (beak, snout)
    towards the body ``centre``, cut at the neck (:func:`_head_cut`), within :data:`HEAD_SECTOR`."""
    g = shape.graph
    tip = int(np.argmax(g.xs * shape.mask.shape[0] - g.ys))
    head = _branch(shape, np.ones(len(g.ys), bool), g.nearest(centre), tip, _head_cut)
    return g.to_mask(head, shape.mask.shape) & _in_sector(_angles(shape, centre), HEAD_SECTOR)


def _front_head(core: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool head of a front view: the body ``core`` above its narrowest row in the upper half."""
    rows = np.flatnonzero(core.any(1))
    widths = core[rows].sum(1)
    upper = slice(max(1, len(rows) // 8), max(2, len(rows) // 2))
    head = np.zeros_like(core)
    if widths[upper].size:
        neck = rows[upper][int(np.argmin(widths[upper]))]
        head[:neck] = core[:neck]
    return head


def _split_lobes(wings: np.ndarray, root: Point) -> tuple[np.ndarray, np.ndarray]:
    """Split a side-view wing mass into ``(near, far)``: the back (left) lobe and the front one.

    Pixels are ordered by their angle about the wing ``root``; the split angle points at the
    deepest notch of the top outline between the highest tip and another tip (at least 12 % of
    the wings' height deep), or else leaves 60 % of the mass to the near wing.
    """
    yy, xx = np.indices(wings.shape)
    ang = np.degrees(np.arctan2(root[1] - yy, xx - root[0]))
    cols = np.flatnonzero(wings.any(0))
    top = np.argmax(wings[:, cols], axis=0)  # first opaque row per column
    notch, best = None, 0.12 * int(wings.any(1).sum())
    if cols.size >= 5:
        t1 = int(np.argmin(top))
        for side in (list(range(t1 + 1, cols.size)), list(range(t1 - 1, -1, -1))):
            for j, k in enumerate(side):
                valley = side[int(np.argmax(top[side[: j + 1]]))]
                depth = min(top[valley] - top[k], top[valley] - top[t1])
                if depth > best:
                    best, notch = depth, (cols[valley], top[valley])
    if notch is not None:
        split = float(np.degrees(np.arctan2(root[1] - notch[1], notch[0] - root[0])))
    else:
        split = float(np.percentile(ang[wings], 40))
    near = wings & (ang >= split)
    return near, wings & ~near


def _segment_winged(shape: _Shape) -> tuple[Parts, Pivots]:
    """Body, head, wings, tail and legs of a flying creature, with their joints.

    A mirror-symmetric sprite (IoU with its mirror at least 0.85) is a front view. The body is a
    disc low in the sprite (:func:`_body_disc`); the head is the front branch of a side view
    (:func:`_side_head`) or the disc's top above its narrowest row in a front view. The rest is
    sorted by its angle about the body centre: in a side view the wings (:data:`WING_SECTOR`,
    split into the near back lobe ``wing_left`` and the far front one ``wing_right``) and the
    tail (:data:`TAIL_SECTOR`); in a front view ``wing_left`` on the image right (the creature's
    own left), ``wing_right`` on the left and the head on top; legs below (:data:`LEG_SECTOR`).
    """
    names = ["body", "head", "tail", "wing_left", "wing_right", "leg_back_left", "leg_back_right"]
    front_view = _mirror_iou(shape.crop) >= 0.85
    disc = _body_disc(shape, front_view)
    labels = disc.astype(np.int32)
    labels[_front_head(disc) if front_view else _side_head(shape, _centroid(disc))] = 2
    body = labels == 1
    cx, cy = _centroid(body if body.any() else disc)
    rest = shape.mask & (labels == 0)
    ang = _angles(shape, (cx, cy))
    if front_view:
        labels[rest & _in_sector(ang, (300.0, 60.0))] = 4
        labels[rest & _in_sector(ang, (120.0, LEG_SECTOR[0]))] = 5
        labels[rest & _in_sector(ang, (60.0, 120.0))] = 2
    else:
        wings = rest & _in_sector(ang, WING_SECTOR)
        if wings.any():
            near, far = _split_lobes(wings, _contact(wings, body) or (cx, cy))
            labels[near], labels[far] = 4, 5
        labels[rest & _in_sector(ang, TAIL_SECTOR)] = 3
    below = rest & _in_sector(ang, LEG_SECTOR)
    xx = np.indices(shape.mask.shape)[1]
    labels[below & (xx >= cx)] = 6
    labels[below & (xx < cx)] = 7
    labels[shape.mask & (labels == 0)] = 1
    parts = _complete(shape, labels, names)
    return parts, _winged_pivots(shape, parts)


def _winged_pivots(shape: _Shape, parts: Parts) -> Pivots:
    """Joints of a segmented flying creature: wing roots, neck, tail base, hips and feet, center, ground."""
    body = parts.get("body", shape.mask)
    center = _centroid(body)
    pivots: Pivots = {"center": center, "ground": _ground(shape, center[0])}
    for wing in ("wing_left", "wing_right"):
        if wing in parts:
            pivots[wing.replace("wing_", "wing_root_")] = _contact(parts[wing], body) or center
    pivots.setdefault("wing_root_left", pivots.get("wing_root_right", center))
    pivots.setdefault("wing_root_right", pivots["wing_root_left"])
    pivots["neck"] = (_contact(parts["head"], body) if "head" in parts else None) or center
    if "tail" in parts:
        pivots["tail_base"] = _contact(parts["tail"], body) or _centroid(parts["tail"])
    for leg in ("leg_back_left", "leg_back_right"):
        if leg in parts:
            ys, xs = np.nonzero(parts[leg])
            pivots[leg.replace("leg_", "hip_")] = _contact(parts[leg], body) or (float(xs.mean()), float(ys.min()))
            pivots[leg.replace("leg_", "foot_")] = (float(xs[ys == ys.max()].mean()), float(ys.max()) + 0.5)
    return pivots


# ------------------------------------------------------------------------------------- humanoid
@dataclass(frozen=True)
class _Figure:
    """The measured frame of a standing humanoid (image pixels).

    ground : the bottom edge of the lowest row. neck, hip : rows where the head ends and the hip
    joints are. head : ``(x, y, r)`` head centre and inscribed radius. feet : ``(x0, x1)`` columns
    (end exclusive) of the feet. half : half-width of the trunk (px). limb : arm radius (px).
    """

    ground: float
    neck: int
    hip: int
    head: tuple[float, float, float]
    feet: tuple[int, int]
    half: float
    limb: float

    @property
    def torso_h(self) -> float:
        return float(self.hip - self.neck)

    @property
    def centre(self) -> float:
        """x of the trunk: the middle of the feet."""
        return (self.feet[0] + self.feet[1]) / 2

    def shoulder(self, near: bool) -> Point:
        """Shoulder joint, 16 % of the torso below the neck; the near one slightly in front."""
        return self.head[0] + (0.05 if near else -0.05) * self.torso_h, self.neck + 0.16 * self.torso_h


def _smooth(v: np.ndarray) -> np.ndarray:
    """A 1-D profile averaged over 3 samples (edges repeated)."""
    return np.convolve(np.pad(v, 1, mode="edge"), np.ones(3) / 3, mode="valid")


def _head_and_neck(shape: _Shape) -> tuple[tuple[float, float, float], int]:
    """``((x, y, r), neck_row)`` of a standing figure's head, from the per-row thickness profile.

    The largest inscribed radius per row rises over the head, dips at the neck and rises again
    over the shoulders: the head centre is the profile's first peak in the top 40 % reaching
    70 % of that stretch's maximum; the neck is a third of the way into the lowest stretch after
    the peak, or one head radius below the peak when the profile does not dip (beards, chibi
    heads sitting on the shoulders).
    """
    y0, y1 = shape.bbox[:2]
    h = shape.h
    rows = _smooth(shape.dt[y0:y1].max(1))
    lo, hi = min(max(1, int(0.05 * h)), h - 1), min(max(2, int(0.4 * h)), h)
    tallest = rows[lo:hi].max()
    peak = next((k for k in range(lo, hi - 1) if rows[k] >= 0.7 * tallest and rows[k] >= rows[k + 1]),
                lo + int(np.argmax(rows[lo:hi])))
    radius = float(rows[peak])
    window = rows[peak + 1:min(int(0.55 * h), peak + int(2.5 * radius) + 2)]
    if window.size and window.min() < 0.85 * radius:
        low = np.flatnonzero(window <= window.min() + 0.5)
        neck = peak + 1 + int(round(low[0] + 0.35 * (low[-1] - low[0])))
    else:
        neck = peak + int(round(1.1 * radius))
    head_x = float(np.argmax(shape.dt[y0 + peak]))
    return (head_x, float(y0 + peak), radius), y0 + int(np.clip(neck, peak + 1, h - 3))


def _crotch(shape: _Shape, axis: float) -> int | None:
    """Row of the top of the gap between the two ground runs nearest ``axis``, or None."""
    runs = _ground_runs(shape)
    if len(runs) < 2:
        return None
    centres = np.array([(a + b) / 2 for a, b in runs])
    i, j = sorted(np.argsort(np.abs(centres - axis))[:2])
    if runs[j][0] <= runs[i][1]:
        return None
    above = np.flatnonzero(shape.mask[: shape.bbox[1], (runs[i][1] + runs[j][0]) // 2])
    return int(above.max()) + 1 if above.size else None


def _trunk_half_width(shape: _Shape, rows: range, x: float) -> float:
    """Median half-width (px) of the run holding column ``x`` over ``rows`` (0 where ``x`` is clear)."""
    widths = []
    for y in rows:
        starts, ends = _runs(shape.mask[y])
        hit = (starts <= x) & (x < ends)
        widths.append(float((ends - starts)[hit][0]) if hit.any() else 0.0)
    return 0.5 * float(np.median(widths)) if widths else 0.0


def _humanoid_frame(shape: _Shape) -> _Figure:
    """Measure a standing figure: head and neck (:func:`_head_and_neck`), hips, feet, trunk width.

    The hips are 53 % of the way from the neck to the ground (the procedural and typical chibi
    proportion), or at the crotch when the legs part higher. The feet are the ground runs within
    35 % of the height of the head's column (a staff touching the ground further out is not a
    foot). The trunk is as wide as the feet, narrowed to the body's median width at the torso
    rows (stick figures), but at least half a head.
    """
    (hx, hy, hr), neck = _head_and_neck(shape)
    y1 = shape.bbox[1]
    hip = neck + int(round(0.53 * (y1 - neck)))
    crotch = _crotch(shape, hx)
    if crotch is not None and neck < crotch < hip:
        hip = crotch
    feet = [r for r in _ground_runs(shape) if abs((r[0] + r[1]) / 2 - hx) <= 0.35 * shape.h]
    if feet:
        fx0, fx1 = feet[0][0], feet[-1][1]
    else:
        fx0 = max(shape.bbox[2], int(hx - 0.15 * shape.h))
        fx1 = min(shape.bbox[3], int(hx + 0.15 * shape.h) + 1)
    half = max(min(0.5 * (fx1 - fx0), _trunk_half_width(shape, range(neck, hip), (fx0 + fx1) / 2)), 0.5 * hr)
    return _Figure(ground=float(y1) - 0.5, neck=neck, hip=hip, head=(hx, hy, hr), feet=(fx0, fx1), half=half,
                   limb=max(1.0, 0.055 * shape.h))


def _capsule(shape: _Shape, a: Point, b: Point, radius: float) -> np.ndarray:
    """``(H, W)`` bool: the pixels within about ``radius`` of the segment from ``a`` to ``b``."""
    out = np.zeros(shape.mask.shape, np.uint8)
    pb = (int(round(b[0])), int(round(b[1])))
    cv2.line(out, (int(round(a[0])), int(round(a[1]))), pb, 1, max(1, int(round(2 * radius))))
    cv2.circle(out, pb, max(1, int(round(radius))), 1, -1)
    return out.astype(bool)


def _grip(weapon: np.ndarray, shoulder: Point, reach: float) -> Point:
    """Where a non-empty ``weapon`` mask is held: its pixel nearest the ``shoulder`` that is at least
    ``reach`` px away (the piece may include the forearm), else its farthest pixel."""
    ys, xs = np.nonzero(weapon)
    d = np.hypot(xs - shoulder[0], ys - shoulder[1])
    k = int(np.argmin(np.where(d >= reach, d, np.inf))) if (d >= reach).any() else int(np.argmax(d))
    return float(xs[k]), float(ys[k])


def _hand(shape: _Shape, fig: _Figure, side: np.ndarray, shoulder: Point, default: Point) -> Point:
    """A free hand: the tip of the longest arm-like piece of ``side`` at arm height, else ``default``.

    ``side`` is the ``(H, W)`` bool part of the silhouette sticking out of the body envelope on
    one side. A piece is arm-like when it is at least 40 % of the torso height long and at most
    1.5 arm radii thick (median); its tip is its pixel farthest from ``shoulder``. The default is
    moved onto the nearest opaque pixel.
    """
    band = side.copy()
    band[: fig.neck] = False
    band[int(fig.hip + 0.25 * fig.torso_h):] = False
    for piece in _pieces(band, 0.4 * fig.torso_h):
        if np.median(shape.dt[piece]) <= 1.5 * fig.limb:
            return _farthest_in(piece, shoulder)
    return _nearest_in(shape.mask, default)


def _leg_split(shape: _Shape, fig: _Figure) -> float:
    """Column between the legs: the middle of the gap between feet nearest the trunk centre, else
    45 % of the way across the feet (the near, front leg overlaps the far one)."""
    x0, x1 = fig.feet
    feet = [r for r in _ground_runs(shape) if x0 <= r[0] and r[1] <= x1]
    if len(feet) >= 2:
        gaps = [(a[1] + b[0]) / 2 for a, b in zip(feet[:-1], feet[1:])]
        return float(min(gaps, key=lambda g: abs(g - fig.centre)))
    return x0 + 0.45 * (x1 - x0)


def _segment_humanoid(shape: _Shape) -> tuple[Parts, Pivots]:
    """Head, torso, arms, legs (and a held weapon) of a right-facing standing figure.

    1. The frame (:func:`_humanoid_frame`) gives the body envelope: the head (the mask above the
       neck within 1.45 head radii of its centre, or straight above it: hats, plumes), the trunk
       (neck to hips, the trunk's width about the feet's centre) and the legs (below the hips,
       within the feet's columns, split between the feet: the front one is ``leg_right``, the
       near leg).
    2. What sticks out in front of the envelope: its longest piece, at least 30 % of the height
       long, is the weapon, held at :func:`_grip` (``weapon_grip``). A shield held in front of
       the body lies inside the silhouette and stays torso.
    3. Arms are capsules from the shoulders: the near ``arm_right`` to the grip or the free hand
       (:func:`_hand`), the far ``arm_left`` behind, keeping to what sticks out and to a strip
       along the back edge (the rest of it is hidden behind the torso).
    4. Everything else is torso (capes, belts, the back).
    """
    fig = _humanoid_frame(shape)
    names = ["head", "torso", "arm_left", "arm_right", "leg_left", "leg_right", "weapon"]
    yy, xx = np.indices(shape.mask.shape)
    hx, hy, hr = fig.head
    head = shape.mask & (yy < fig.neck) & ((np.hypot(xx - hx, yy - hy) <= 1.45 * hr) |
                                           ((yy < hy) & (np.abs(xx - hx) <= 1.2 * hr)))
    trunk = shape.mask & (yy >= fig.neck) & (yy < fig.hip) & (np.abs(xx - fig.centre) <= fig.half)
    legs = (shape.mask & (yy >= fig.hip + LEG_TOP * (fig.ground - fig.hip))
            & (xx >= fig.feet[0] - fig.limb) & (xx < fig.feet[1] + fig.limb))
    outside = shape.mask & ~(head | trunk | legs)
    front = outside & (xx > fig.centre)

    near_shoulder, far_shoulder = fig.shoulder(near=True), fig.shoulder(near=False)
    pieces = _pieces(front, 0.3 * shape.h)
    weapon = pieces[0] if pieces else np.zeros_like(shape.mask)
    grip = _grip(weapon, near_shoulder, GRIP_REACH * fig.torso_h) if weapon.any() else None
    hand_right = grip or _hand(shape, fig, front, near_shoulder,
                               (hx + 0.3 * fig.torso_h, fig.neck + 0.8 * fig.torso_h))
    hand_left = _hand(shape, fig, outside & (xx < fig.centre), far_shoulder,
                      (fig.centre - 0.37 * fig.torso_h, fig.neck + 1.0 * fig.torso_h))

    labels = np.where(trunk | outside, 2, 0)
    labels[weapon] = 7
    back_edge = np.argmax(shape.mask, axis=1)[:, None]  # first opaque column per row
    labels[_capsule(shape, far_shoulder, hand_left, fig.limb) & (labels == 2)
           & (outside | (xx <= back_edge + 2 * fig.limb))] = 3
    labels[_capsule(shape, near_shoulder, hand_right, 1.2 * fig.limb) & ((labels == 2) | (labels == 7))] = 4
    split = _leg_split(shape, fig)
    labels[legs] = np.where(xx[legs] < split, 5, 6)
    labels[head] = 1
    parts = _complete(shape, labels, names)

    left_x, right_x = (fig.feet[0] + split) / 2, (split + fig.feet[1]) / 2
    pivots: Pivots = {
        "neck": (hx, float(fig.neck)),
        "shoulder_left": far_shoulder, "shoulder_right": near_shoulder,
        "hand_left": hand_left, "hand_right": hand_right,
        "hip_left": (left_x, float(fig.hip)), "hip_right": (right_x, float(fig.hip)),
        "foot_left": (left_x, fig.ground), "foot_right": (right_x, fig.ground),
        "ground": (fig.centre, fig.ground),
    }
    if grip is not None and "weapon" in parts:
        pivots["weapon_grip"] = grip
    return parts, pivots


# ------------------------------------------------------------------------------------ segmenting
_SEGMENTERS: dict[str, Callable[[_Shape], tuple[Parts, Pivots]]] = {
    "humanoid_biped": _segment_humanoid,
    "quadruped": _segment_quadruped,
    "winged": _segment_winged,
    "amorphous": _segment_amorphous,
    "serpentine": _segment_serpentine,
}


def segment_sprite(rgba: np.ndarray, archetype: str) -> tuple[Parts, Pivots]:
    """Split a right-facing sprite into named part masks and place its joint pivots.

    Parameters
    ----------
    rgba : ``(H, W, 4)`` RGBA (or an ``(H, W)`` alpha); alpha > 0 is opaque. The sprite is
        assumed to face right: mirror a left-facing one first (see :func:`facing`).
    archetype : one of :data:`ARCHETYPES` (see :func:`classify_silhouette`).

    Returns
    -------
    ``(parts, pivots)``: part name → ``(H, W)`` bool mask, disjoint and together exactly the
    opaque pixels (parts that came out empty are left out); pivot name → ``(x, y)`` float pixel
    coordinates. Names follow the procedural renderers (see the module docstring). A sprite
    whose opaque box is thinner than :data:`MIN_SIDE` px is one part (``torso`` or ``body``)
    with pivots ``center`` and ``ground``.

    Raises
    ------
    InvalidRequest : unknown ``archetype``; an array that is not ``(H, W[, 4])``; no opaque pixel.

    Examples
    --------
    >>> import cv2, numpy as np
    >>> blob = cv2.ellipse(np.zeros((64, 64), np.uint8), (32, 40), (24, 18), 0, 0, 360, 255, -1)
    >>> parts, pivots = segment_sprite(blob, "amorphous")
    >>> list(parts), pivots["ground"]
    (['body'], (32.0, 58.5))
    """
    _check_archetype(archetype)
    shape = _shape_of(rgba)
    if min(shape.h, shape.w) < MIN_SIDE:
        return _segment_whole(shape, "torso" if archetype == "humanoid_biped" else "body")
    return _SEGMENTERS[archetype](shape)
