"""PDF reports (WeasyPrint): progress report and discharge summary of an episode."""
