from django.apps import AppConfig


class ProvisioningConfig(AppConfig):
    name = "madoguchi.provisioning"
    verbose_name = "プロビジョニング"

    def ready(self):
        from madoguchi.applications.models import Application
        from madoguchi.applications.registry import register_processor
        from madoguchi.provisioning.tasks import publish_network_password

        register_processor(Application.Kind.NETWORK_PASSWORD, publish_network_password)
