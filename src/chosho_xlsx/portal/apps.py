from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "chosho_xlsx.portal"
    label = "portal"
    verbose_name = "提出ポータル"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out

        from chosho_xlsx.portal.lockout import record_lockout

        user_locked_out.connect(record_lockout, dispatch_uid="chosho-lockout-event")
