"""Authentication backends."""

from django.contrib.auth.backends import BaseBackend


class PhoneCodeBackend(BaseBackend):
    """Log a citizen in with a one-time code sent to the phone (短信验证码登录)."""
