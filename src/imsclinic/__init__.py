"""IMS Clinic: clinic software for Intramuscular Stimulation (Gunn IMS)."""

__version__ = "0.1.0"
