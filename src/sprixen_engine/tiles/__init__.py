"""Tiles: seamless material textures, isometric projection to 130×230 tiles, autotile sets, tile packs."""
