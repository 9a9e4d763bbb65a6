from django_tasks import task

from madoguchi.provisioning import services


@task()
def publish_network_password(application_id: int) -> bool:
    return services.publish_network_password(application_id)
