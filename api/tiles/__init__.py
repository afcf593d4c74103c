"""Map tiles: vector tiles of the land layers (`vector`) and raster tiles of uploaded imagery (`imagery`)."""
