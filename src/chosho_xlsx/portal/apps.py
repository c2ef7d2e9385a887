from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "chosho_xlsx.portal"
    label = "portal"
    verbose_name = "提出ポータル"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: Django's app registry is not ready while apps.py is imported
        from axes.signals import user_locked_out
        from django.db.models.signals import post_save

        # lazy: Django's app registry is not ready while apps.py is imported
        from chosho_xlsx.portal.lockout import record_lockout
        from chosho_xlsx.portal.models import Event
        from chosho_xlsx.portal.services.mail import notify

        user_locked_out.connect(record_lockout, dispatch_uid="chosho-lockout-event")
        post_save.connect(notify, sender=Event, dispatch_uid="chosho-mail")
