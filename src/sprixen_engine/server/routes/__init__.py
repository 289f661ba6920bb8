"""One router per resource of the reference (generations, animations, projects, tiles, maps, music,
billing, webhooks). Game Builder, Live and Mod Builder will slot in as more routers."""

from __future__ import annotations

import importlib

#: router modules in the order their routes are registered
ROUTERS = ("generations", "animations", "projects", "tiles", "maps", "music", "billing", "webhooks")


def all_routers() -> list:
    out = []
    for name in ROUTERS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # not written yet
            raise
        out.append(module.router)
    return out
