"""Charts rendered by matplotlib to SVG, shared by pages and PDF reports."""
