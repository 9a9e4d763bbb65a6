from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "madoguchi.provisioning"
    verbose_name = "プロビジョニング"
