"""The one task that carries out applications of every automatic kind."""

from django_tasks import task

from madoguchi.applications import services


@task()
def process_application(application_id: int) -> bool:
    return services.process_application(application_id)
