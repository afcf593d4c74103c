"""Township layout imports for GIS specialists: upload, dry-run report, attribute mapping, commit."""
