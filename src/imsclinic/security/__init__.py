"""Security features that cut across apps: database guards, audit report pages, headers."""
