"""Local development and the demo served by `make run`."""

from .base import *  # noqa: F403

DEBUG = True
# make run delivers its own outbox to the console (notifications/worker.py), and prints
# text messages there too.
IMSCLINIC_OUTBOX_IN_PROCESS = True
IMSCLINIC_SMS_BACKEND = "imsclinic.notifications.sms.ConsoleSmsBackend"
