"""Music: a procedural composer and synthesiser (embedded default) and a MusicGen backend."""
