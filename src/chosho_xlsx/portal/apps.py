from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "chosho_xlsx.portal"
    label = "portal"
    verbose_name = "提出ポータル"
    default_auto_field = "django.db.models.BigAutoField"
