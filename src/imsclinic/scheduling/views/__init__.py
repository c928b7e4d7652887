"""Scheduling pages: the staff calendar (staff.py), the admin's set-up (setup.py) and the
public pages patients use without an account (public.py)."""
