"""Unity export: a folder to drop into ``Assets/``.

Unity has no text tilemap format of its own that a tool outside the editor can write safely (scenes and
``.asset`` files carry GUIDs that Unity assigns on import), so the export gives two independent routes:

1. **SuperTiled2Unity**: ``<map>.tmx`` + ``<map>_tiles.tsx`` + ``<map>_tiles.png`` — the same files as the
   ``tmx`` export; SuperTiled2Unity imports a ``.tmx`` dropped into ``Assets/`` as a prefab with Tilemaps,
   colliders (from the TSX tile collision shapes) and objects.
2. **No plug-in**: ``<map>.json`` (a flat, ``JsonUtility``-friendly schema, see :func:`unity_json`) and
   ``Editor/SprixenMapLoader.cs``, an editor script that adds *Tools ▸ Sprixen ▸ Build Tilemap From Selected
   Map JSON*: it slices the atlas into ``Tile`` assets and builds a ``Grid`` with one ``Tilemap`` per layer
   (isometric grid for isometric maps), ``TilemapCollider2D`` on layers with collision tiles, polygon colliders
   for the map's collision objects and empty GameObjects for entities.

Cell mapping used by the loader (Unity's y axis points up): orthogonal cell ``(x, y)`` → Unity cell
``(x, -y - 1)``; isometric cell ``(x, y)`` → Unity cell ``(-y, -x)``, which puts every tile at the engine's
screen position mirrored vertically, i.e. the same picture.

Neither route was run in Unity by the tests: they check the JSON against the C# data classes and parse the
C# for syntax. ``README.txt`` in the zip says so.
"""

from __future__ import annotations

import json
from typing import Any

from .export_common import (
    Atlas,
    build_atlas,
    collision_shapes,
    entity_objects,
    map_properties,
    plain,
    remap_layer,
    tile_layers,
    tile_lut,
    tile_properties,
)
from .export_tiled import tiled_files
from .model import Map

UNITY_JSON_FORMAT = "sprixen-unity-map"
UNITY_JSON_VERSION = 1


def _props(d: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for k, v in d.items():
        v = plain(v)
        out.append({"name": str(k), "value": v if isinstance(v, str) else json.dumps(v)})
    return out


def unity_json(m: Map, atlas: Atlas, image_name: str) -> dict[str, Any]:
    """The plain JSON read by ``SprixenMapLoader.cs`` (every key is a public field of its data classes).

    Layer ``data`` is row-major, ``width × height`` values, each the 1-based tileset position (0 = empty);
    tile ``index`` is its atlas cell, counted row-major from the atlas' top-left. Object and collision
    rectangles are in cells (``x``, ``y`` top-left).
    """
    lut = tile_lut(m)
    layers = [{"name": la.name, "visible": bool(la.visible),
               "data": remap_layer(m, la, lut).ravel().astype(int).tolist()} for la in tile_layers(m)]
    tiles = []
    for k, t in enumerate(m.tiles):
        props = tile_properties(t)
        tiles.append({"position": k + 1, "id": t.id, "index": atlas.cells[t.id], "name": t.name, "label": t.label,
                      "terrain": t.terrain, "collision": bool(t.collision),
                      "properties": _props({p: v for p, v in props.items()
                                            if p not in ("name", "label", "terrain", "collision")})})
    objects = [{"layer": name, "id": o.id, "name": o.name, "type": o.type, "x": float(o.x), "y": float(o.y),
                "w": float(o.w), "h": float(o.h), "properties": _props(o.properties)}
               for name, objs in entity_objects(m) for o in objs]
    collision = [{"name": s.name, "type": s.type, "source": s.source, "x": float(s.x), "y": float(s.y),
                  "w": float(s.w), "h": float(s.h)} for s in collision_shapes(m)]
    return {
        "format": UNITY_JSON_FORMAT, "formatVersion": UNITY_JSON_VERSION, "name": m.name,
        "projection": m.projection, "width": m.width, "height": m.height, "cellWidth": m.cell_w,
        "cellHeight": m.cell_h,
        "atlas": {"image": image_name, "columns": atlas.columns, "rows": atlas.rows, "tileWidth": atlas.tile_w,
                  "tileHeight": atlas.tile_h},
        "tiles": tiles, "layers": layers, "objects": objects, "collision": collision,
        "properties": _props(map_properties(m)),
    }


LOADER_CS = r'''// SprixenMapLoader.cs - builds a Unity Tilemap from a sprixen-engine map export (<map>.json + <map>_tiles.png).
// Editor-only: keep this file in an "Editor" folder. Menu: Tools > Sprixen > Build Tilemap From Selected Map JSON.
// Written for Unity 2021.3+ (UnityEngine.Tilemaps). Not compiled or run in Unity by the exporter's tests.
using System;
using System.Collections.Generic;
using System.IO;
using UnityEditor;
using UnityEditor.SceneManagement;
using UnityEngine;
using UnityEngine.Tilemaps;

namespace Sprixen
{
    [Serializable]
    public class SprixenProperty
    {
        public string name;
        public string value;
    }

    [Serializable]
    public class SprixenAtlas
    {
        public string image;
        public int columns;
        public int rows;
        public int tileWidth;
        public int tileHeight;
    }

    [Serializable]
    public class SprixenTile
    {
        public int position;
        public int id;
        public int index;
        public string name;
        public string label;
        public string terrain;
        public bool collision;
        public SprixenProperty[] properties;
    }

    [Serializable]
    public class SprixenLayer
    {
        public string name;
        public bool visible;
        public int[] data;
    }

    [Serializable]
    public class SprixenObject
    {
        public string layer;
        public int id;
        public string name;
        public string type;
        public float x;
        public float y;
        public float w;
        public float h;
        public SprixenProperty[] properties;
    }

    [Serializable]
    public class SprixenCollision
    {
        public string name;
        public string type;
        public string source;
        public float x;
        public float y;
        public float w;
        public float h;
    }

    [Serializable]
    public class SprixenMapData
    {
        public string format;
        public int formatVersion;
        public string name;
        public string projection;
        public int width;
        public int height;
        public int cellWidth;
        public int cellHeight;
        public SprixenAtlas atlas;
        public SprixenTile[] tiles;
        public SprixenLayer[] layers;
        public SprixenObject[] objects;
        public SprixenCollision[] collision;
        public SprixenProperty[] properties;
    }

    public static class SprixenMapLoader
    {
        [MenuItem("Tools/Sprixen/Build Tilemap From Selected Map JSON")]
        public static void BuildFromSelection()
        {
            var json = Selection.activeObject as TextAsset;
            if (json == null)
            {
                EditorUtility.DisplayDialog("Sprixen", "Select the exported <map>.json in the Project window first.", "OK");
                return;
            }
            Build(AssetDatabase.GetAssetPath(json));
        }

        [MenuItem("Tools/Sprixen/Build Tilemap From Selected Map JSON", true)]
        public static bool BuildFromSelectionValidate()
        {
            return Selection.activeObject is TextAsset;
        }

        public static GameObject Build(string jsonPath)
        {
            var map = JsonUtility.FromJson<SprixenMapData>(File.ReadAllText(jsonPath));
            if (map == null || map.format != "sprixen-unity-map")
            {
                throw new InvalidDataException(jsonPath + " is not a sprixen-unity-map file");
            }
            string folder = Path.GetDirectoryName(jsonPath).Replace('\\', '/');
            var texture = AssetDatabase.LoadAssetAtPath<Texture2D>(folder + "/" + map.atlas.image);
            if (texture == null)
            {
                throw new FileNotFoundException("atlas image not found next to the JSON", folder + "/" + map.atlas.image);
            }
            bool iso = map.projection == "isometric";
            Tile[] tiles = MakeTiles(map, texture, folder + "/" + map.name + " Tiles", iso);

            var gridObject = new GameObject(map.name);
            var grid = gridObject.AddComponent<Grid>();
            if (iso)
            {
                grid.cellLayout = GridLayout.CellLayout.Isometric;
                grid.cellSize = new Vector3(1f, (float)map.cellHeight / map.cellWidth, 1f);
            }
            else
            {
                grid.cellLayout = GridLayout.CellLayout.Rectangle;
                grid.cellSize = new Vector3(1f, (float)map.cellHeight / map.cellWidth, 0f);
            }

            for (int li = 0; li < map.layers.Length; li++)
            {
                BuildLayer(map, map.layers[li], li, tiles, gridObject.transform, iso);
            }
            BuildObjects(map, grid, iso);
            BuildCollision(map, grid, iso);

            Undo.RegisterCreatedObjectUndo(gridObject, "Build Sprixen Tilemap");
            EditorSceneManager.MarkSceneDirty(gridObject.scene);
            Selection.activeGameObject = gridObject;
            return gridObject;
        }

        // engine cell (x, y) -> Unity cell; Unity's y axis points up
        public static Vector3Int ToUnityCell(int x, int y, bool iso)
        {
            return iso ? new Vector3Int(-y, -x, 0) : new Vector3Int(x, -y - 1, 0);
        }

        // continuous engine cell coordinates -> local position on the grid
        public static Vector3 ToLocal(Grid grid, float x, float y, bool iso)
        {
            Vector3 cell = iso ? new Vector3(-y + 1f, -x + 1f, 0f) : new Vector3(x, -y, 0f);
            return grid.CellToLocalInterpolated(cell);
        }

        static Tile[] MakeTiles(SprixenMapData map, Texture2D texture, string tileFolder, bool iso)
        {
            if (!AssetDatabase.IsValidFolder(tileFolder))
            {
                string parent = Path.GetDirectoryName(tileFolder).Replace('\\', '/');
                AssetDatabase.CreateFolder(parent, Path.GetFileName(tileFolder));
            }
            int tw = map.atlas.tileWidth;
            int th = map.atlas.tileHeight;
            // pivot: the centre of the cell footprint, which sits at the bottom of the tile image
            var pivot = new Vector2(0.5f, (map.cellHeight * 0.5f) / th);
            var result = new Tile[map.tiles.Length + 1];
            foreach (var t in map.tiles)
            {
                int col = t.index % map.atlas.columns;
                int row = t.index / map.atlas.columns;
                var rect = new Rect(col * tw, texture.height - (row + 1) * th, tw, th);
                var sprite = Sprite.Create(texture, rect, pivot, map.cellWidth);
                sprite.name = t.name;
                var tile = ScriptableObject.CreateInstance<Tile>();
                tile.name = t.name;
                tile.sprite = sprite;
                tile.colliderType = t.collision ? Tile.ColliderType.Grid : Tile.ColliderType.None;
                string path = tileFolder + "/" + t.name + ".asset";
                AssetDatabase.DeleteAsset(path);
                AssetDatabase.CreateAsset(tile, path);
                AssetDatabase.AddObjectToAsset(sprite, tile);
                result[t.position] = tile;
            }
            AssetDatabase.SaveAssets();
            return result;
        }

        static void BuildLayer(SprixenMapData map, SprixenLayer layer, int order, Tile[] tiles, Transform parent, bool iso)
        {
            var go = new GameObject(layer.name);
            go.transform.SetParent(parent, false);
            var tilemap = go.AddComponent<Tilemap>();
            var renderer = go.AddComponent<TilemapRenderer>();
            renderer.sortingOrder = order;
            if (iso)
            {
                renderer.mode = TilemapRenderer.Mode.Individual;
            }
            renderer.enabled = layer.visible;

            var positions = new List<Vector3Int>();
            var placed = new List<TileBase>();
            bool solid = false;
            for (int y = 0; y < map.height; y++)
            {
                for (int x = 0; x < map.width; x++)
                {
                    int v = layer.data[y * map.width + x];
                    if (v <= 0 || v >= tiles.Length || tiles[v] == null)
                    {
                        continue;
                    }
                    positions.Add(ToUnityCell(x, y, iso));
                    placed.Add(tiles[v]);
                    solid |= tiles[v].colliderType != Tile.ColliderType.None;
                }
            }
            tilemap.SetTiles(positions.ToArray(), placed.ToArray());
            if (solid)
            {
                go.AddComponent<TilemapCollider2D>();
            }
        }

        static void BuildObjects(SprixenMapData map, Grid grid, bool iso)
        {
            if (map.objects == null || map.objects.Length == 0)
            {
                return;
            }
            var groups = new Dictionary<string, Transform>();
            foreach (var o in map.objects)
            {
                if (!groups.TryGetValue(o.layer, out var group))
                {
                    group = new GameObject(o.layer).transform;
                    group.SetParent(grid.transform, false);
                    groups[o.layer] = group;
                }
                var go = new GameObject(string.IsNullOrEmpty(o.name) ? o.type : o.name);
                go.transform.SetParent(group, false);
                go.transform.localPosition = ToLocal(grid, o.x + o.w * 0.5f, o.y + o.h * 0.5f, iso);
            }
        }

        static void BuildCollision(SprixenMapData map, Grid grid, bool iso)
        {
            if (map.collision == null)
            {
                return;
            }
            GameObject body = null;
            foreach (var c in map.collision)
            {
                if (c.source != "object")
                {
                    continue; // cells of collision tiles already collide through TilemapCollider2D
                }
                if (body == null)
                {
                    body = new GameObject("collision");
                    body.transform.SetParent(grid.transform, false);
                }
                var poly = body.AddComponent<PolygonCollider2D>();
                poly.points = new Vector2[]
                {
                    ToLocal(grid, c.x, c.y, iso),
                    ToLocal(grid, c.x + c.w, c.y, iso),
                    ToLocal(grid, c.x + c.w, c.y + c.h, iso),
                    ToLocal(grid, c.x, c.y + c.h, iso),
                };
            }
        }
    }
}
'''


README = """{title} - Unity export from sprixen-engine
{underline}

Drop this folder into your project's Assets/ folder. Two ways to use it:

1. SuperTiled2Unity (https://github.com/Seanba/SuperTiled2Unity), if installed:
   {base}.tmx + {base}_tiles.tsx + {base}_tiles.png import as a prefab with one Tilemap per layer,
   colliders from the tileset's tile collision shapes, and the entity / collision objects.

2. No plug-in: select {base}.json in the Project window, then
   Tools > Sprixen > Build Tilemap From Selected Map JSON.
   Editor/SprixenMapLoader.cs slices {base}_tiles.png into Tile assets (folder "{name} Tiles"), builds a Grid
   ({layout}) with one Tilemap per tile layer, a TilemapCollider2D on layers holding collision tiles,
   PolygonCollider2D shapes for the map's own collision objects, and empty GameObjects for entities.
   Cell mapping: {mapping}.{iso_note}

What was verified, and what was not:
- Verified by the exporter's tests: {base}.tmx / {base}_tiles.tsx load in pytmx and pytiled-parser with the
  right size, layers, tile ids and objects, and Tiled's tmxrasterizer renders them; every key of {base}.json
  is a field of the C# data classes in SprixenMapLoader.cs; the C# parses without syntax errors
  (tree-sitter C# grammar) when that parser is installed.
- NOT verified: nothing here was opened in Unity or in SuperTiled2Unity. The C# was not compiled against
  Unity's assemblies; API names follow the Unity 2021.3+ scripting reference (UnityEngine.Tilemaps).
"""


def unity_files(m: Map, base: str, *, layer_encoding: str = "csv", atlas: Atlas | None = None) -> dict[str, bytes | str]:
    """``{path: content}`` of the folder to drop into ``Assets/``."""
    atlas = atlas or build_atlas(m)
    files = dict(tiled_files(m, base, layer_encoding=layer_encoding, atlas=atlas, json_too=False))
    files[f"{base}.json"] = json.dumps(unity_json(m, atlas, f"{base}_tiles.png"), indent=1)
    files["Editor/SprixenMapLoader.cs"] = LOADER_CS
    iso = m.projection == "isometric"
    title = f"{m.name} ({m.width}x{m.height} {m.projection})"
    files["README.txt"] = README.format(
        title=title, underline="=" * (len(title) + 35), base=base, name=m.name,
        layout="isometric cell layout, cell size 1 x cell_h/cell_w" if iso else "rectangular cells, 1 unit wide",
        mapping="engine cell (x, y) -> Unity cell (-y, -x)" if iso else "engine cell (x, y) -> Unity cell (x, -y-1)",
        iso_note=("\n   For tall isometric tiles to overlap correctly set Project Settings > Graphics > Transparency Sort"
                  " Mode\n   to Custom Axis (0, 1, 0); the loader sets each TilemapRenderer to Individual mode."
                  if iso else ""))
    return files
