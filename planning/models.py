"""Township planning: raster layers (terrain, flood), access layers (water points, roads), viability thresholds and
each plot's site figures (docs/planning.md)."""
