"""Resource ids with the reference's prefixes (``gen_``, ``anim_``, ``spr_``, ``prj_``, ``tile_``, ``map_``, ``mus_``)."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits

#: id prefix of each job kind
JOB_PREFIX = {"generation": "gen", "animation": "anim", "tile": "tile", "music": "mus", "map_edit": "edit"}


def new_id(prefix: str, length: int = 16) -> str:
    """``prefix_`` plus ``length`` random lower-case letters and digits, e.g. ``gen_k3x9…``."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))
