"""Partner data products above the domain apps: HXL exports under a data-sharing agreement."""
