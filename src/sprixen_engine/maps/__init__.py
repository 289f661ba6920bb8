"""World builder: the map model, procedural generation, plain-English edits, engine exports, previews."""
