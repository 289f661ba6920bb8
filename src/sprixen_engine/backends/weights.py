"""The weights registry: where each model's files are, whether they are complete, and how to place them.

The manifest (``configs/models.toml``) names every model the engine can use, the files that make it
complete, optional sha256 digests, its licence and the backend that loads it. A :class:`WeightsRegistry`
looks a model up, in this order, and returns the first complete copy:

1. an explicit path (``[weights].paths`` in ``configs/engine.toml``), a folder or, for one-file models, a file;
2. ``$SPRIXEN_WEIGHTS/<id>/``;
3. ``weights/<id>/`` in this repository;
4. the local Hugging Face hub cache (``$HF_HUB_CACHE``, ``$HF_HOME/hub`` or ``~/.cache/huggingface/hub``):
   ``models--<org>--<name>/snapshots/<rev>/``, preferring the revision named by ``refs/main``.

Nothing is ever downloaded and ``huggingface_hub`` is not needed. A model is present only when all of its
required files exist (symlinks are followed, so an HF snapshot whose blobs are missing counts as absent).

>>> from sprixen_engine.config import config_dir
>>> manifest = load_manifest(config_dir())
>>> manifest["rmbg-2.0-onnx"].non_commercial
True
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ModelUnavailable, invalid

if TYPE_CHECKING:
    from ..config import EngineConfig

KINDS = ("diffusers", "single_file", "onnx", "safetensors", "lora", "transformers")
#: kinds whose location is one file: ``locate`` returns the file itself, not its folder
FILE_KINDS = frozenset({"single_file", "onnx", "safetensors", "lora"})
VERIFY_STATUSES = ("ok", "mismatch", "no-hash", "missing")
_CHUNK = 1 << 20
_SKIP_DIRS = frozenset({".git", ".cache", ".huggingface"})
_REPO_ROOT = Path(__file__).resolve().parents[3]


# --------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ModelSpec:
    """One entry of ``configs/models.toml``.

    Attributes
    ----------
    id : model id, e.g. ``"sdxl-base-1.0"``.
    kind : one of :data:`KINDS`; kinds in :data:`FILE_KINDS` resolve to a file, the others to a folder.
    files : paths relative to the model folder that must all exist.
    sha256 : relative path → lowercase hex digest (only real published digests; may be empty).
    license, non_commercial : the licence of the weights; ``non_commercial`` when they may not be sold.
    source : Hugging Face repository id (informational, and the key into the local HF cache).
    used_by, description : for messages and ``sprixen weights list``.
    alt_files : other accepted file sets, e.g. ``(("sd_xl_base_1.0.safetensors",),)``.
    patterns : globs that must each match at least one file when ``files`` is the set present;
        ``"a|b"`` accepts either glob (weight shards whose names vary).
    """

    id: str
    kind: str
    files: tuple[str, ...]
    sha256: dict[str, str] = field(default_factory=dict, hash=False)
    license: str = ""
    non_commercial: bool = False
    source: str = ""
    used_by: str = ""
    description: str = ""
    alt_files: tuple[tuple[str, ...], ...] = ()
    patterns: tuple[str, ...] = ()

    @property
    def file_sets(self) -> tuple[tuple[str, ...], ...]:
        """The accepted file sets, the primary one (``files``) first."""
        return (self.files, *self.alt_files)

    @property
    def url(self) -> str:
        return f"https://huggingface.co/{self.source}" if self.source else ""

    @property
    def hf_repo_dirname(self) -> str:
        """The folder name of this model in the HF hub cache: ``models--org--name``."""
        return "models--" + self.source.replace("/", "--")

    def single_file(self) -> str | None:
        """The file name a single file imports to, or ``None`` when this model needs a folder."""
        if len(self.files) == 1 and self.kind in FILE_KINDS:
            return self.files[0]
        for alt in self.alt_files:
            if len(alt) == 1:
                return alt[0]
        return None


def _rel_paths(entry: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise invalid(f"models.toml:{entry}.{key}", "must be a non-empty list of relative paths", value)
    for v in value:
        if Path(v).is_absolute() or ".." in Path(v).parts:
            raise invalid(f"models.toml:{entry}.{key}", "paths must be relative, inside the model folder", v)
    return tuple(value)


def parse_manifest(data: Mapping[str, Any]) -> dict[str, ModelSpec]:
    """Build specs from parsed TOML (``{"models": {id: {...}}}``); errors name the entry and key."""
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise invalid("models.toml", "must have a [models.<id>] table per model", sorted(data))
    known = {"kind", "files", "sha256", "license", "non_commercial", "source", "used_by", "description",
             "alt_files", "patterns"}
    specs: dict[str, ModelSpec] = {}
    for model_id, entry in models.items():
        where = f"models.toml:{model_id}"
        if not isinstance(entry, dict):
            raise invalid(where, "must be a table", entry)
        extra = sorted(set(entry) - known)
        if extra:
            raise invalid(f"{where}.{extra[0]}", f"is not a known key (known: {', '.join(sorted(known))})", extra[0])
        kind = entry.get("kind")
        if kind not in KINDS:
            raise invalid(f"{where}.kind", f"must be one of {', '.join(KINDS)}", kind)
        files = _rel_paths(model_id, "files", entry.get("files"))
        alts_raw = entry.get("alt_files", [])
        if not isinstance(alts_raw, list):
            raise invalid(f"{where}.alt_files", "must be a list of file lists", alts_raw)
        alts = tuple(_rel_paths(model_id, "alt_files", a) for a in alts_raw)
        patterns_raw = entry.get("patterns", [])
        patterns = _rel_paths(model_id, "patterns", patterns_raw) if patterns_raw else ()
        sha = entry.get("sha256", {})
        if not isinstance(sha, dict):
            raise invalid(f"{where}.sha256", "must be a table of file = hex digest", sha)
        digests: dict[str, str] = {}
        for rel, digest in sha.items():
            if not digest:  # unknown hash: leave empty rather than invent one
                continue
            d = str(digest).lower()
            if len(d) != 64 or any(c not in "0123456789abcdef" for c in d):
                raise invalid(f"{where}.sha256.{rel}", "must be 64 hex digits", digest)
            digests[rel] = d
        specs[model_id] = ModelSpec(
            id=model_id, kind=kind, files=files, sha256=digests, license=str(entry.get("license", "")),
            non_commercial=bool(entry.get("non_commercial", False)), source=str(entry.get("source", "")),
            used_by=str(entry.get("used_by", "")), description=str(entry.get("description", "")),
            alt_files=alts, patterns=patterns)
    return specs


def load_manifest(config_dir: Path) -> dict[str, ModelSpec]:
    """Read ``<config_dir>/models.toml`` into ``{model id: ModelSpec}``."""
    from ..config import read_toml

    return parse_manifest(read_toml(Path(config_dir) / "models.toml"))


# --------------------------------------------------------------------------------------------- defaults


def default_hf_cache() -> Path:
    """The local HF hub cache: ``$HF_HUB_CACHE``, ``$HF_HOME/hub``, ``$XDG_CACHE_HOME/huggingface/hub`` or ``~/.cache/huggingface/hub``."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "huggingface" / "hub"


def default_local_dir() -> Path:
    """``weights/`` at the repository root (next to ``configs/``)."""
    return _REPO_ROOT / "weights"


def default_env_dir() -> Path | None:
    env = os.environ.get("SPRIXEN_WEIGHTS")
    return Path(env).expanduser() if env else None


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class WeightsStatus:
    """One row of :meth:`WeightsRegistry.status`."""

    id: str
    present: bool
    path: Path | None
    size_bytes: int
    license: str
    non_commercial: bool
    used_by: str
    kind: str = ""
    description: str = ""
    source: str = ""


@dataclass(frozen=True)
class FileCheck:
    """One row of :meth:`WeightsRegistry.verify`: ``status`` is ok / mismatch / no-hash / missing."""

    model_id: str
    file: str
    status: Literal["ok", "mismatch", "no-hash", "missing"]
    path: Path | None = None
    expected: str | None = None
    actual: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """What :meth:`WeightsRegistry.import_weights` placed: the model's location and how files got there."""

    model_id: str
    path: Path
    files: int
    linked: int
    copied: int
    size_bytes: int
    replaced: bool = False


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------- registry


def _glob_any(folder: Path, pattern: str) -> list[Path]:
    hits: list[Path] = []
    for alt in pattern.split("|"):
        hits.extend(p for p in sorted(folder.glob(alt.strip())) if p.is_file())
    return hits


@dataclass(frozen=True)
class _Match:
    location: Path  # what locate returns: folder or file
    folder: Path  # the model folder
    files: dict[str, Path]  # relative name → actual file (required files + pattern hits)


class WeightsRegistry:
    """Finds model weights on this machine; never downloads.

    Parameters
    ----------
    manifest : ``{id: ModelSpec}``, usually :func:`load_manifest`.
    explicit : model id → folder or file, checked first (``[weights].paths``).
    env_dir : the ``$SPRIXEN_WEIGHTS`` folder; default from the environment (``None`` when unset).
    local_dir : the repository's ``weights/`` folder by default.
    hf_cache : the HF hub cache folder; default :func:`default_hf_cache`.
    """

    def __init__(self, manifest: Mapping[str, ModelSpec], *, explicit: Mapping[str, Path | str] | None = None,
                 env_dir: Path | None = None, local_dir: Path | None = None, hf_cache: Path | None = None) -> None:
        self.manifest = dict(manifest)
        self.explicit = {k: Path(v).expanduser() for k, v in (explicit or {}).items()}
        for model_id in self.explicit:
            self.spec(model_id, field="weights.paths")
        self.env_dir = Path(env_dir) if env_dir is not None else default_env_dir()
        self.local_dir = Path(local_dir) if local_dir is not None else default_local_dir()
        self.hf_cache = Path(hf_cache) if hf_cache is not None else default_hf_cache()

    # -- lookup ------------------------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        return list(self.manifest)

    def spec(self, model_id: str, *, field: str = "model") -> ModelSpec:
        """The manifest entry; an unknown id raises ``InvalidRequest`` naming ``field`` and the known ids."""
        try:
            return self.manifest[model_id]
        except (KeyError, TypeError):
            raise invalid(field, f"must be one of {', '.join(self.manifest)}", model_id) from None

    def hf_snapshots(self, spec: ModelSpec) -> list[Path]:
        """Snapshot folders of ``spec.source`` in the local HF cache, the one named by ``refs/main`` first."""
        return _snapshots(self.hf_cache / spec.hf_repo_dirname) if spec.source else []

    def candidates(self, model_id: str) -> Iterator[tuple[str, Path]]:
        """``(where, path)`` in resolution order; paths may not exist."""
        spec = self.spec(model_id)
        if model_id in self.explicit:
            yield "[weights].paths", self._explicit_path(model_id)
        if self.env_dir is not None:
            yield "$SPRIXEN_WEIGHTS", self.env_dir / model_id
        yield "weights/", self.local_dir / model_id
        for snap in self.hf_snapshots(spec):
            yield "Hugging Face cache", snap

    def _explicit_path(self, model_id: str) -> Path:
        p = Path(os.path.expandvars(str(self.explicit[model_id])))
        return p

    def _match(self, spec: ModelSpec, path: Path) -> _Match | None:
        """The complete copy of ``spec`` at ``path`` (a folder, or a file for one-file sets), else ``None``."""
        if path.is_file():
            name = spec.single_file()
            return _Match(path, path.parent, {name: path}) if name else None
        if not path.is_dir():
            return None
        for i, file_set in enumerate(spec.file_sets):
            if not all((path / f).is_file() for f in file_set):
                continue
            files = {f: path / f for f in file_set}
            if i == 0 and spec.patterns:
                hits = [_glob_any(path, pat) for pat in spec.patterns]
                if not all(hits):
                    continue
                for group in hits:
                    files.update({p.relative_to(path).as_posix(): p for p in group})
            one_file = len(file_set) == 1 and (i > 0 or spec.kind in FILE_KINDS)
            return _Match(path / file_set[0] if one_file else path, path, files)
        return None

    def _find(self, model_id: str) -> _Match | None:
        spec = self.spec(model_id)
        for _, path in self.candidates(model_id):
            m = self._match(spec, path)
            if m is not None:
                return m
        return None

    def locate(self, model_id: str) -> Path | None:
        """The first complete copy: the model folder, or the file for one-file models; ``None`` if absent."""
        m = self._find(model_id)
        return m.location if m else None

    def available(self, model_id: str) -> bool:
        return self._find(model_id) is not None

    def require(self, model_id: str) -> Path:
        """Like :meth:`locate`, but raises :class:`ModelUnavailable` saying what is missing and where to put it."""
        path = self.locate(model_id)
        if path is None:
            raise ModelUnavailable(self.missing_message(model_id))
        return path

    def missing_message(self, model_id: str) -> str:
        spec = self.spec(model_id)
        expected = ", ".join(spec.files)
        if spec.patterns:
            expected += " and " + ", ".join(p.split("|")[0] for p in spec.patterns)
        for alt in spec.alt_files:
            expected += " (or " + ", ".join(alt) + ")"
        places: list[str] = []
        partial: list[str] = []
        if model_id in self.explicit:
            places.append(f"{self._explicit_path(model_id)} ([weights].paths)")
        places.append(f"{self.env_dir / model_id} ($SPRIXEN_WEIGHTS)" if self.env_dir is not None
                      else f"$SPRIXEN_WEIGHTS/{model_id} (unset)")
        places.append(str(self.local_dir.resolve() / model_id))
        if spec.source:
            places.append(f"the Hugging Face cache {self.hf_cache / spec.hf_repo_dirname} ({spec.source})")
        for _, path in self.candidates(model_id):
            if path.is_dir():
                lacking = [f for f in spec.files if not (path / f).is_file()]
                lacking += [p.split("|")[0] for p in spec.patterns if not _glob_any(path, p)]
                if lacking:
                    partial.append(f"{path} lacks {', '.join(lacking[:4])}" + (" ..." if len(lacking) > 4 else ""))
        what = spec.description or spec.kind
        if spec.used_by:
            what += f", used by {spec.used_by}"
        msg = (f"model '{model_id}' ({what}) is not installed: expected {expected} in one of: "
               f"{', '.join(places)}.")
        if partial:
            msg += " Found incomplete copies: " + "; ".join(partial) + "."
        get = f"Get it from {spec.url}" if spec.url else "Get it"
        msg += (f" {get} on a machine with network and run `sprixen weights import PATH --as {model_id}`"
                " (nothing is downloaded automatically).")
        if spec.non_commercial:
            msg += f" Licence: {spec.license} — non-commercial."
        return msg

    # -- listing -----------------------------------------------------------------------------------

    def status(self) -> list[WeightsStatus]:
        """One row per manifest entry: present or not, where, size on disk, licence and user."""
        rows = []
        for model_id, spec in self.manifest.items():
            m = self._find(model_id)
            size = 0
            if m is not None:
                size = m.location.stat().st_size if m.location.is_file() else _tree_size(m.location)
            rows.append(WeightsStatus(
                id=model_id, present=m is not None, path=m.location if m else None, size_bytes=size,
                license=spec.license, non_commercial=spec.non_commercial, used_by=spec.used_by,
                kind=spec.kind, description=spec.description, source=spec.source))
        return rows

    # -- verify ------------------------------------------------------------------------------------

    def verify(self, model_id: str | None = None) -> list[FileCheck]:
        """Hash the files of one model (or of every installed model) against the manifest.

        Each required file, pattern hit and hashed file gets a row: ``ok`` (digest matches), ``mismatch``,
        ``no-hash`` (no digest in the manifest) or ``missing``. A model asked for by id that is not
        installed gives ``missing`` rows for its required files.
        """
        ids = [model_id] if model_id is not None else list(self.manifest)
        rows: list[FileCheck] = []
        for mid in ids:
            spec = self.spec(mid)
            m = self._find(mid)
            if m is None:
                if model_id is not None:
                    rows.extend(FileCheck(mid, f, "missing", expected=spec.sha256.get(f)) for f in spec.files)
                continue
            files = dict(m.files)
            for rel in spec.sha256:
                if rel not in files:
                    files[rel] = m.folder / rel
            active = set(next(s for s in spec.file_sets if all(f in m.files for f in s)))
            for rel, path in files.items():
                expected = spec.sha256.get(rel)
                if not path.is_file():
                    # hashes of files from another (unused) file set are not missing
                    in_other_set = any(rel in s for s in spec.file_sets) and rel not in active
                    if not in_other_set:
                        rows.append(FileCheck(mid, rel, "missing", path, expected))
                    continue
                if expected is None:
                    rows.append(FileCheck(mid, rel, "no-hash", path))
                    continue
                actual = sha256_file(path)
                rows.append(FileCheck(mid, rel, "ok" if actual == expected else "mismatch", path, expected, actual))
        return rows

    # -- import ------------------------------------------------------------------------------------

    def import_weights(self, src: Path | str, model_id: str, *, mode: Literal["link", "copy"] = "link",
                       dest_root: Path | None = None) -> ImportResult:
        """Place a model's files under ``<dest_root>/<id>/`` (default ``$SPRIXEN_WEIGHTS`` or ``weights/``).

        ``src`` is a single file (one-file models; it is renamed to the manifest's file name), a model folder,
        an HF-cache snapshot folder (symlinks are resolved to their blobs) or an HF-cache repository folder
        (``models--org--name``, the ``refs/main`` snapshot is used). ``mode="link"`` hard-links where source
        and target share a filesystem and copies otherwise; ``"copy"`` always copies. The files are written to
        a temporary folder next to the target, checked, then renamed into place, so a failed import never
        leaves a half-written model; an existing target is replaced only after the new copy is complete.
        """
        spec = self.spec(model_id, field="--as")
        if mode not in ("link", "copy"):
            raise invalid("mode", "must be 'link' or 'copy'", mode)
        src = Path(src).expanduser()
        if not src.exists():
            raise invalid("path", "does not exist", str(src))
        root = Path(dest_root) if dest_root is not None else (self.env_dir or self.local_dir)
        target = root / model_id

        # 1. Work out which files to bring: relative name in the target → source file
        plan = self._import_plan(spec, src)
        if target.exists() and any(s.resolve() == (target / rel).resolve() for rel, s in plan.items()):
            m = self._match(spec, target)
            if m is not None:  # importing a model onto itself: nothing to do
                return ImportResult(model_id, m.location, len(plan), 0, 0, _tree_size(target))

        # 2. Write into a temporary folder next to the target
        root.mkdir(parents=True, exist_ok=True)
        tmp = root / f".{model_id}.importing-{uuid.uuid4().hex[:8]}"
        linked = copied = size = 0
        try:
            tmp.mkdir()
            for rel, source in plan.items():
                real = source.resolve()
                dst = tmp / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                how = _place(real, dst, mode)
                linked += how == "link"
                copied += how == "copy"
                size += dst.stat().st_size
            # 3. Check the result is complete before it becomes visible
            if self._match(spec, tmp) is None:
                lacking = [f for f in spec.files if not (tmp / f).is_file()]
                raise invalid("path", f"did not give a complete '{model_id}' (missing {', '.join(lacking)}); "
                              "is --as right?", str(src))
            # 4. Swap into place
            replaced = target.exists() or target.is_symlink()
            if replaced:
                old = root / f".{model_id}.old-{uuid.uuid4().hex[:8]}"
                target.rename(old)
                try:
                    tmp.rename(target)
                except BaseException:
                    old.rename(target)
                    raise
                _remove(old)
            else:
                tmp.rename(target)
        except BaseException:
            _remove(tmp)
            raise
        m = self._match(spec, target)
        assert m is not None
        return ImportResult(model_id, m.location, len(plan), linked, copied, size, replaced)

    def _import_plan(self, spec: ModelSpec, src: Path) -> dict[str, Path]:
        if src.is_file():
            name = spec.single_file()
            if name is None:
                raise invalid("path", f"is a file, but '{spec.id}' (--as) needs a folder with "
                              f"{', '.join(spec.files)}", str(src))
            want = Path(name).suffix.lower()
            if src.suffix.lower() != want:
                raise invalid("path", f"must be a {want} file for '{spec.id}' (--as), or a model folder", str(src))
            return {name: src}
        # an HF-cache repository folder: use its refs/main (or newest) snapshot
        if (src / "snapshots").is_dir() and src.name.startswith("models--"):
            complete = [s for s in _snapshots(src) if self._match(spec, s) is not None]
            if not complete:
                raise invalid("path", f"has no snapshot with the files of '{spec.id}' (--as): "
                              f"{', '.join(spec.files)}", str(src))
            src = complete[0]
        m = self._match(spec, src)
        if m is None:
            lacking = [f for f in spec.files if not (src / f).is_file()]
            lacking += [p.split("|")[0] for p in spec.patterns if not _glob_any(src, p)]
            raise invalid("path", f"is not a complete '{spec.id}' (--as) model folder: missing "
                          f"{', '.join(lacking)}", str(src))
        if m.location.is_file():  # a one-file model inside a bigger folder: bring that file only
            rel = m.location.relative_to(src).as_posix()
            return {rel: m.location}
        plan: dict[str, Path] = {}
        for dirpath, dirnames, filenames in os.walk(src, followlinks=True):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in sorted(filenames):
                p = Path(dirpath) / name
                if p.is_file():  # skips dangling symlinks
                    plan[p.relative_to(src).as_posix()] = p
        return plan


def _snapshots(repo: Path) -> list[Path]:
    """Snapshots of one HF-cache repository folder, newest first, the ``refs/main`` one before all."""
    snaps = repo / "snapshots"
    if not snaps.is_dir():
        return []
    found = sorted((p for p in snaps.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    ref = repo / "refs" / "main"
    if ref.is_file():
        rev = ref.read_text().strip()
        found = [p for p in found if p.name == rev] + [p for p in found if p.name != rev]
    return found


def _place(real: Path, dst: Path, mode: str) -> str:
    if mode == "link":
        try:
            os.link(real, dst)
            return "link"
        except OSError:  # other filesystem, or links not allowed: copy instead
            pass
    shutil.copy2(real, dst)
    return "copy"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _tree_size(folder: Path) -> int:
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        for name in filenames:
            try:
                total += (Path(dirpath) / name).stat().st_size
            except OSError:
                pass
    return total


def registry_from_config(config: EngineConfig | None = None) -> WeightsRegistry:
    """A registry from the engine config: the manifest in ``config_dir`` and ``[weights].paths``."""
    from ..config import load_config

    cfg = config if config is not None else load_config()
    base = Path(cfg.config_dir)
    explicit = {}
    for model_id, raw in cfg.weights.paths.items():
        p = Path(os.path.expandvars(raw)).expanduser()
        explicit[model_id] = p if p.is_absolute() else base / p
    return WeightsRegistry(load_manifest(base), explicit=explicit)


def where_to_put(model_id: str) -> str:
    """The sentence every "weights missing" message ends with: where the files of ``model_id`` go."""
    return (f"place them in weights/{model_id}/, $SPRIXEN_WEIGHTS/{model_id}/, or give an explicit path in "
            f"configs/engine.toml [weights] ({model_id} = \"/path/to/folder\"); nothing is downloaded")
