"""Synthetic demo clinics. Every name, number and note here is invented."""
