"""Browser URLs of innovations, included under /c/<slug:cluster_slug>/innovations/."""

from .views import core, flow, pilots, reviews

urlpatterns = [*flow.urlpatterns, *reviews.urlpatterns, *pilots.urlpatterns, *core.urlpatterns]
