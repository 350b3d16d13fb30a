from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "quietlegs.web.orders"
    label = "orders"
    verbose_name = "Orders and referrals"

    def ready(self) -> None:
        from quietlegs.web.orders import signals  # noqa: F401  (connects the receivers)
