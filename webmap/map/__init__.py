"""The land officers' map and the township dashboards."""
