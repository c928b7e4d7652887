from django.apps import AppConfig
from django.conf import settings


class NotificationsConfig(AppConfig):
    name = "imsclinic.notifications"
    label = "notifications"
    verbose_name = "IMS Clinic notifications"

    def ready(self) -> None:
        if getattr(settings, "IMSCLINIC_OUTBOX_IN_PROCESS", False):
            from django.core.signals import request_started

            from imsclinic.notifications.worker import start_on_first_request

            # The development server delivers its own outbox (make run): the sender thread
            # starts with the first request the server handles.
            request_started.connect(start_on_first_request, dispatch_uid="outbox-in-process")
