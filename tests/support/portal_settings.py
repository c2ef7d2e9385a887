"""The portal's settings for the tests: a fast password hasher (the default costs about
0.4 s a login). Selected with DJANGO_SETTINGS_MODULE=support.portal_settings (tests/ on the path)."""

from chosho_xlsx.portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
