"""Palette kernels: extract, quantise, snap, outline and transfer colours.

Colour distances are Euclidean in CIE Lab (ΔE76, ``L`` in 0..100) as computed by OpenCV.
Only pixels with alpha > 0 count as colours; every function keeps the input's alpha, so an
image with hard alpha (0/255) comes back with hard alpha.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import invalid
from .image import as_rgba

#: ΔE76 below which :func:`merge_palette` treats two colours as the same colour plus noise.
MERGE_DELTA_E = 6.0
#: Colours kept from a reference image by :func:`transfer_palette`.
REFERENCE_COLORS = 16
_KMEANS_SAMPLE = 50_000


# ---------------------------------------------------------------- helpers


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab of RGB colours: ``(..., 3)`` uint8 in, ``(..., 3)`` float32 out (L in 0..100)."""
    flat = rgb.reshape(-1, 1, 3).astype(np.float32) / 255
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(rgb.shape)


def _colour_counts(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct opaque colours: ``(colours (U, 3) uint8, counts (U,), mask (H, W), inverse (N,))``.

    ``inverse`` maps each opaque pixel (in ``mask`` order) to its row of ``colours``.
    """
    mask = rgba[:, :, 3] > 0
    rgb = rgba[mask][:, :3].astype(np.uint32)
    keys, inverse, counts = np.unique((rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2],
                                      return_inverse=True, return_counts=True)
    colours = np.stack([keys >> 16, (keys >> 8) & 255, keys & 255], axis=1).astype(np.uint8)
    return colours, counts, mask, inverse.ravel()


def _nearest(lab: np.ndarray, palette_lab: np.ndarray) -> np.ndarray:
    """Index of the nearest ``palette_lab`` row for each ``lab`` row (chunked)."""
    out = np.empty(len(lab), np.int64)
    for i in range(0, len(lab), 65536):
        chunk = lab[i:i + 65536]
        out[i:i + 65536] = ((chunk[:, None, :] - palette_lab[None]) ** 2).sum(axis=2).argmin(axis=1)
    return out


def _weighted_means(rgb: np.ndarray, weights: np.ndarray, labels: np.ndarray,
                    k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-label weighted mean RGB (rounded, uint8) and total weight; empty labels dropped."""
    total = np.bincount(labels, weights, minlength=k)
    sums = np.stack([np.bincount(labels, weights * rgb[:, c], minlength=k) for c in range(3)], axis=1)
    used = total > 0
    means = np.round(sums[used] / total[used, None]).astype(np.uint8)
    return means, total[used]


def _by_weight(palette: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``palette`` rows sorted by descending weight (ties by colour, for determinism)."""
    order = np.lexsort((palette[:, 2], palette[:, 1], palette[:, 0], -weights))
    return palette[order]


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_colors(colors: object, field: str = "colors") -> int:
    if not (_is_int(colors) and 1 <= colors <= 256):
        raise invalid(field, "must be an integer between 1 and 256", colors)
    return int(colors)


def _check_rgb(color: object, field: str) -> np.ndarray:
    arr = np.asarray(color)
    if arr.shape != (3,) or not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0 or arr.max() > 255:
        raise invalid(field, "must be an (r, g, b) triple of integers 0-255", color)
    return arr.astype(np.uint8)


# ---------------------------------------------------------------- palettes


def extract_palette(image: np.ndarray, *, max_colors: int | None = None) -> np.ndarray:
    """The distinct colours of the opaque (alpha > 0) pixels, most frequent first.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray
    max_colors : int, optional
        Keep only the ``max_colors`` most frequent colours.

    Returns
    -------
    (K, 3) uint8 ndarray
        ``K`` is 0 for a fully transparent image.
    """
    if max_colors is not None and not (_is_int(max_colors) and max_colors >= 1):
        raise invalid("max_colors", "must be a positive integer", max_colors)
    colours, counts, _, _ = _colour_counts(as_rgba(image))
    return _by_weight(colours, counts)[:max_colors]


def merge_palette(image: np.ndarray, *, tolerance: float = MERGE_DELTA_E) -> np.ndarray:
    """A palette in which colours closer than ``tolerance`` (ΔE76) are merged.

    Used to find the palette of noisy pixel art automatically: the densest colour leads a
    cluster that takes every colour within ``tolerance`` of it, then the next densest
    remaining colour leads, and so on (at most 256 clusters); two rounds of nearest-centre
    reassignment settle the clusters. Density is counted in Lab cubes of side ``tolerance``.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray
    tolerance : float
        Merge radius in ΔE76.

    Returns
    -------
    (K, 3) uint8 ndarray
        Cluster mean colours, heaviest cluster first.
    """
    if not tolerance > 0:
        raise invalid("tolerance", "must be positive", tolerance)
    colours, counts, _, _ = _colour_counts(as_rgba(image))
    if len(colours) <= 1:
        return colours
    lab = to_lab(colours)
    bins, bin_of = np.unique(np.floor(lab / tolerance).astype(np.int64), axis=0, return_inverse=True)
    bin_of = bin_of.ravel()
    bin_weight = np.bincount(bin_of, counts, minlength=len(bins))
    bin_lab = np.stack([np.bincount(bin_of, counts * lab[:, c], minlength=len(bins)) for c in range(3)], 1)
    bin_lab /= bin_weight[:, None]
    left = np.ones(len(bins), bool)
    centres = []
    while left.any() and len(centres) < 256:
        lead = bin_lab[np.flatnonzero(left)[np.argmax(bin_weight[left])]]
        centres.append(lead)
        left &= np.linalg.norm(bin_lab - lead, axis=1) >= tolerance
    centre_lab = np.array(centres, np.float32)
    for _ in range(2):
        labels = _nearest(lab, centre_lab)
        palette, weight = _weighted_means(colours.astype(np.float64), counts.astype(np.float64), labels,
                                          len(centre_lab))
        centre_lab = to_lab(palette)
    return _by_weight(palette, weight)


def quantize(image: np.ndarray, *, colors: int, method: str = "kmeans",
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Reduce the opaque pixels of ``image`` to at most ``colors`` colours.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray
    colors : int
        Palette size, 1-256. An image with no more distinct colours is returned as it is.
    method : {"kmeans", "median_cut"}
        ``"kmeans"``: k-means in Lab (``cv2.kmeans``) from a k-means++ start drawn with
        ``seed``, on at most 50 000 evenly strided pixels; deterministic.
        ``"median_cut"``: split the colour box with the widest channel range at its
        (pixel-weighted) median until there are ``colors`` boxes.
    seed : int
        Seed of the k-means++ start.

    Returns
    -------
    image : (H, W, 4) uint8 ndarray
        Every opaque pixel replaced by its nearest (Lab) palette colour; alpha unchanged.
    palette : (K, 3) uint8 ndarray
        ``K <= colors``, most used first.
    """
    k = _check_colors(colors)
    if method not in ("kmeans", "median_cut"):
        raise invalid("method", "must be 'kmeans' or 'median_cut'", method)
    rgba = as_rgba(image)
    colours, counts, _, _ = _colour_counts(rgba)
    if len(colours) <= k:
        return rgba.copy(), _by_weight(colours, counts)
    palette = _kmeans(rgba, k, seed) if method == "kmeans" else _median_cut(colours, counts, k)
    out = map_to_palette(rgba, palette)
    used, used_counts, _, _ = _colour_counts(out)
    return out, _by_weight(used, used_counts)


def _kmeans(rgba: np.ndarray, k: int, seed: int) -> np.ndarray:
    pixels = rgba[rgba[:, :, 3] > 0][:, :3]
    pixels = pixels[:: max(1, len(pixels) // _KMEANS_SAMPLE)]
    lab = to_lab(pixels)
    rng = np.random.default_rng(seed)
    centres = [lab[rng.integers(len(lab))]]
    d2 = ((lab - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):  # k-means++ start
        if d2.sum() <= 0:
            break
        centres.append(lab[rng.choice(len(lab), p=d2 / d2.sum())])
        d2 = np.minimum(d2, ((lab - centres[-1]) ** 2).sum(axis=1))
    labels = _nearest(lab, np.array(centres)).astype(np.int32).reshape(-1, 1)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.05)
    _, labels, _ = cv2.kmeans(lab, len(centres), labels, criteria, 1, cv2.KMEANS_USE_INITIAL_LABELS)
    return _weighted_means(pixels.astype(np.float64), np.ones(len(pixels)), labels.ravel(), len(centres))[0]


def _median_cut(colours: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    boxes = [np.arange(len(colours))]
    while len(boxes) < k:
        ranges = [np.ptp(colours[b], axis=0).max() if len(b) > 1 else -1 for b in boxes]
        i = int(np.argmax(ranges))
        if ranges[i] < 0:
            break
        box = boxes.pop(i)
        channel = int(np.argmax(np.ptp(colours[box], axis=0)))
        box = box[np.argsort(colours[box, channel], kind="stable")]
        cum = np.cumsum(counts[box])
        cut = int(np.clip(np.searchsorted(cum, cum[-1] / 2) + 1, 1, len(box) - 1))
        boxes += [box[:cut], box[cut:]]
    labels = np.empty(len(colours), np.int64)
    for i, b in enumerate(boxes):
        labels[b] = i
    return _weighted_means(colours.astype(np.float64), counts.astype(np.float64), labels, len(boxes))[0]


def map_to_palette(image: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Replace each opaque pixel's colour by the nearest (Lab) colour of ``palette``.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray
    palette : (K, 3) uint8 array-like, K >= 1

    Returns
    -------
    (H, W, 4) uint8 ndarray
        Alpha and fully transparent pixels unchanged.
    """
    pal = np.asarray(palette)
    if pal.ndim != 2 or pal.shape[1] != 3 or len(pal) < 1 or not np.issubdtype(pal.dtype, np.integer) \
            or pal.min() < 0 or pal.max() > 255:
        raise invalid("palette", "must be a non-empty (K, 3) array of integers 0-255",
                      getattr(pal, "shape", pal))
    pal = pal.astype(np.uint8)
    out = as_rgba(image).copy()
    colours, _, mask, inverse = _colour_counts(out)
    if len(colours):
        out[mask, :3] = pal[_nearest(to_lab(colours), to_lab(pal))][inverse]
    return out


def limit_colors(image: np.ndarray, n: int) -> np.ndarray:
    """``image`` with at most ``n`` opaque colours (k-means, seed 0); unchanged if it already has."""
    return quantize(image, colors=_check_colors(n, "n"))[0]


def merge_rare_colors(rgba: np.ndarray, n: int) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Merge the closest rare colours of an ``(H, W, 4)`` uint8 image until at most ``n`` opaque
    colours remain; unlike :func:`limit_colors` no new colour is made, so a sprite's hand-picked
    tones survive. Pairs are merged cheapest first (luma-weighted RGB distance × the rarer
    colour's pixel count), the rarer colour taking the commoner one's value.

    Returns the image (the input itself when nothing needs merging) and its sorted palette.
    """
    a = rgba[..., 3] > 0
    px = rgba[a][:, :3].astype(np.int32)
    key = (px[:, 0] << 16) | (px[:, 1] << 8) | px[:, 2]
    uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    if uniq.size <= n:
        return rgba, [(int(k >> 16), int((k >> 8) & 255), int(k & 255)) for k in uniq]
    cols = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], 1).astype(np.float64)
    cw = cols * np.sqrt(np.array([0.90, 1.77, 0.33]))  # luma-weighted RGB distance
    sq = (cw * cw).sum(1)
    d = sq[:, None] + sq[None, :] - 2.0 * (cw @ cw.T)
    # merge pairs cheapest first (distance weighted by the rarer colour's pixel count), the
    # rarer colour of each pair taking the commoner one's value
    root = np.sqrt(counts.astype(np.float64))
    iu, ju = np.triu_indices(uniq.size, 1)
    cost = d[iu, ju] * np.minimum(root[iu], root[ju])
    parent = list(range(uniq.size))
    cnt = [int(c) for c in counts]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    need = uniq.size - n
    for k in np.argsort(cost, kind="stable"):
        ri, rj = find(int(iu[k])), find(int(ju[k]))
        if ri == rj:
            continue
        keep, drop = (ri, rj) if cnt[ri] >= cnt[rj] else (rj, ri)
        parent[drop] = keep
        cnt[keep] += cnt[drop]
        need -= 1
        if need == 0:
            break
    target = np.array([find(i) for i in range(uniq.size)])
    newcols = cols[target][inv.ravel()].astype(np.uint8)
    out = rgba.copy()
    out[a, :3] = newcols
    kept = np.unique(target)
    return out, sorted((int(c[0]), int(c[1]), int(c[2])) for c in cols[kept])


def merge_similar_colors(rgba: np.ndarray, *, min_delta_e: float = 3.0) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """Merge opaque colours closer than ``min_delta_e`` (CIE76 in Lab) into the commoner one.

    Near-duplicate tones are invisible in pixel art and make palettes and grid recovery
    ambiguous. Colours are visited from most to least frequent; each one closer than
    ``min_delta_e`` to an already kept colour takes that colour. No new colour is made.

    Returns the image (the input itself when nothing merges) and its sorted opaque palette.
    """
    colours, counts, mask, inverse = _colour_counts(rgba)
    if len(colours) < 2:
        return rgba, sorted(tuple(int(v) for v in c) for c in colours)
    lab = to_lab(colours)
    target = np.arange(len(colours))
    kept: list[int] = []
    for i in np.argsort(-counts, kind="stable"):
        if kept:
            d = np.sqrt(((lab[kept] - lab[i]) ** 2).sum(axis=1))
            j = int(np.argmin(d))
            if d[j] < min_delta_e:
                target[i] = kept[j]
                continue
        kept.append(int(i))
    palette = sorted(tuple(int(v) for v in colours[k]) for k in kept)
    if len(kept) == len(colours):
        return rgba, palette
    out = rgba.copy()
    out[mask, :3] = colours[target][inverse]
    return out, palette


# ---------------------------------------------------------------- recolouring


def _darken(rgb: np.ndarray) -> np.ndarray:
    """Dark, slightly more saturated versions of ``(N, 3)`` float RGB colours, same hue."""
    hsv = cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.float32) / 255, cv2.COLOR_RGB2HSV).reshape(-1, 3)
    hsv[:, 1] += (1 - hsv[:, 1]) * 0.25
    hsv[:, 2] *= 0.35
    out = cv2.cvtColor(hsv.reshape(-1, 1, 3), cv2.COLOR_HSV2RGB).reshape(-1, 3)
    return np.round(out * 255).astype(np.uint8)


def add_outline(image: np.ndarray, *, color: tuple[int, int, int] | None = None, selective: bool = True,
                thickness: int = 1) -> np.ndarray:
    """Draw an outline around the opaque silhouette, on transparent pixels only.

    Outline pixels are the transparent (alpha 0) pixels 4-adjacent to the silhouette
    (alpha > 0), grown ``thickness`` times; they become fully opaque.

    Parameters
    ----------
    image : (H, W, 4) uint8 ndarray
    color : (r, g, b), optional
        One flat outline colour. Overrides ``selective``.
    selective : bool
        With no ``color``: True colours each outline pixel with a dark, hue-kept version of
        its opaque neighbours' mean colour (outer rings repeat the first ring's colours);
        False uses the darkest colour of the sprite.
    thickness : int
        Outline width in pixels, 1-8.

    Returns
    -------
    (H, W, 4) uint8 ndarray
    """
    if not (_is_int(thickness) and 1 <= thickness <= 8):
        raise invalid("thickness", "must be an integer between 1 and 8", thickness)
    out = as_rgba(image).copy()
    solid = out[:, :, 3] > 0
    if not solid.any():
        return out
    flat = None
    if color is not None:
        flat = _check_rgb(color, "color")
    elif not selective:
        colours = extract_palette(out)
        flat = colours[np.argmin(to_lab(colours)[:, 0])]
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    for ring in range(thickness):
        grown = cv2.dilate(solid.astype(np.uint8), cross).astype(bool)
        new = grown & ~solid
        if flat is not None:
            out[new, :3] = flat
        else:
            weight = solid.astype(np.float32)
            sums = cv2.filter2D(out[:, :, :3].astype(np.float32) * weight[:, :, None], -1, cross,
                                borderType=cv2.BORDER_CONSTANT)
            count = cv2.filter2D(weight, -1, cross, borderType=cv2.BORDER_CONSTANT)
            mean = sums[new] / count[new][:, None]
            out[new, :3] = _darken(mean) if ring == 0 else np.round(mean).astype(np.uint8)
        out[new, 3] = 255
        solid = grown
    return out


def transfer_palette(image: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Recolour ``image`` with the palette of ``reference`` by luminance rank.

    The reference's colours (its opaque pixels, reduced to 16 by k-means if it has more)
    and the image's colours are each ranked by Lab lightness and weighted by pixel count;
    every image colour takes the reference colour at the same lightness quantile. Dark stays
    dark and light stays light, while the hues come from the reference.

    Parameters
    ----------
    image, reference : (H, W, 4) uint8 ndarrays (any sizes)

    Returns
    -------
    (H, W, 4) uint8 ndarray
        Alpha unchanged.
    """
    ref = as_rgba(reference, field="reference")
    ref = quantize(ref, colors=REFERENCE_COLORS)[0]
    ref_colours, ref_counts, _, _ = _colour_counts(ref)
    if not len(ref_colours):
        raise invalid("reference", "must have opaque pixels", "fully transparent image")
    out = as_rgba(image).copy()
    colours, counts, mask, inverse = _colour_counts(out)
    if not len(colours):
        return out
    ref_order = np.argsort(to_lab(ref_colours)[:, 0], kind="stable")
    ref_edges = np.cumsum(ref_counts[ref_order]) / ref_counts.sum()
    order = np.argsort(to_lab(colours)[:, 0], kind="stable")
    cum = np.cumsum(counts[order])
    quantile = (cum - counts[order] / 2) / cum[-1]
    target = np.empty((len(colours), 3), np.uint8)
    rank = np.minimum(np.searchsorted(ref_edges, quantile), len(ref_edges) - 1)
    target[order] = ref_colours[ref_order[rank]]
    out[mask, :3] = target[inverse]
    return out
