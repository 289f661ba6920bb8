"""AI map edits: the Engine applies the plain-English edit to the map's latest version and the result is
stored as the next version. When another change of the map lands meanwhile, the edit is applied again on
top of it (up to ``ATTEMPTS`` times), so no change is lost."""

from __future__ import annotations

from typing import Any

from ..services import maps
from . import handler

ATTEMPTS = 3


@handler("map_edit")
def run_map_edit(ctx: Any) -> dict[str, Any]:
    prompt, map_id = ctx.request["prompt"], ctx.job.parent_id
    for _ in range(ATTEMPTS):
        rec = maps.get_record(ctx.db, ctx.job.key_id, map_id)
        edit = ctx.engine.edit_map(maps.load_latest(ctx.settings, rec), prompt)
        try:
            rec = maps.save_new_version(ctx.db, ctx.settings, rec, edit.map)
        except maps.Conflict:
            continue
        return {"mapId": rec.id, **edit.to_dict(diff_limit=maps.DIFF_LIMIT)}
    raise maps.Conflict(f"Map {map_id} kept changing while this edit ran ({ATTEMPTS} attempts); retry")
