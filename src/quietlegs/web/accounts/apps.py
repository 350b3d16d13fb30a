from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "quietlegs.web.accounts"
    label = "accounts"
    verbose_name = "Accounts"
