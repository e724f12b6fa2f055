"""The Models page: stored evaluations side by side (``wattwise.evaluate``).

``/models?project=P&metric=M``: the table (metric with its interval, worst group, gap, latency,
energy and emissions per 1,000 inferences), per-group bars, the metric-vs-gCO2e scatter with
the Pareto front, and each model's model-card block. The view model is
``wattwise.evaluate.views.models_view``; this module only routes.
"""
from __future__ import annotations


def routes(ctx):
    from starlette.routing import Route

    from ..errors import StoreError
    from ..evaluate.views import models_view

    def models(request):
        qp = request.query_params
        try:
            v = models_view(ctx.store(), project=qp.get("project") or None, metric=qp.get("metric") or None)
        except StoreError as e:
            return ctx.render(request, "error.html", status=503, title="The run store cannot be read", message=str(e))
        return ctx.render(request, "models.html", active="models", v=v)

    return [Route("/models", models, methods=["GET"])]
