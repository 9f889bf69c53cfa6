from django.apps import AppConfig


class ReplicaConfig(AppConfig):
    name = "harvey.replica"
    label = "replica"
    verbose_name = "HR replica"
