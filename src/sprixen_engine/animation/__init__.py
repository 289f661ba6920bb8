"""Animation pipeline: rigs from sprites, archetype motions, stabilisation and sheet/GIF/atlas export."""
