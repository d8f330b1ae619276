from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClusterPlatformConfig(AppConfig):
    name = "cluster_platform"
    verbose_name = "Cluster platform"

    def ready(self):
        from cluster_platform import rls

        post_migrate.connect(rls.install_after_migrate, dispatch_uid="cluster_platform.rls")
