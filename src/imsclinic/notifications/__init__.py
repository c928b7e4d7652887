"""Outgoing messages to patients (e-mail, SMS) through a persistent outbox.

Other apps enqueue with ``imsclinic.notifications.outbox`` inside their action's
transaction; ``imsclinic outbox send [--loop]`` (or the in-process sender of ``make run``)
delivers them. See docs/notifications.md.
"""
