from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "madoguchi.delivery"
    verbose_name = "工事・故障情報メールの配信"
