"""Which cloud region is this? Environment variables first, metadata endpoints only when asked.

Called by :func:`wattwise.location.guess_region` after an explicit region, ``WATTWISE_REGION``
and the config file. Environment variables the platforms set:

- AWS: ``AWS_REGION`` (Lambda, ECS, SageMaker, Batch), ``AWS_DEFAULT_REGION`` (CLI/SDK config);
- GCP: ``CLOUD_ML_REGION`` (Vertex AI training), ``GOOGLE_CLOUD_REGION``, ``FUNCTION_REGION``
  (Cloud Functions), ``CLOUD_RUN_REGION``;
- Azure: ``AZUREML_ARM_REGION`` / ``AZUREML_REGION`` (Azure ML), ``REGION_NAME`` (App Service,
  Functions: a display name such as "West Europe"), ``AZURE_REGION`` / ``AZURE_LOCATION``.

The instance metadata endpoints (AWS IMDSv2, GCP, Azure IMDS) are link-local HTTP servers; they
are asked only with ``WATTWISE_CLOUD_METADATA=1``, never under ``WATTWISE_OFFLINE=1``, with a
short timeout (``WATTWISE_CLOUD_METADATA_TIMEOUT``, default 0.5 s), using the standard library.
Their base URLs can be moved (``WATTWISE_AWS_METADATA_URL``, ``WATTWISE_GCP_METADATA_URL``,
``WATTWISE_AZURE_METADATA_URL``) for tests. A region not in the bundled table is reported in
the returned description but not returned, so the next step (time-zone guess) still runs.
"""
from __future__ import annotations

import http.client
import logging
import os
import re
import urllib.error
import urllib.request

log = logging.getLogger("wattwise")

ENV_VARS = (
    ("aws", "AWS_REGION"), ("aws", "AWS_DEFAULT_REGION"),
    ("gcp", "CLOUD_ML_REGION"), ("gcp", "GOOGLE_CLOUD_REGION"), ("gcp", "FUNCTION_REGION"), ("gcp", "CLOUD_RUN_REGION"),
    ("azure", "AZUREML_ARM_REGION"), ("azure", "AZUREML_REGION"), ("azure", "REGION_NAME"), ("azure", "AZURE_REGION"),
    ("azure", "AZURE_LOCATION"),
)
# Set only by the platform itself: the region is where this process runs.
PLATFORM_VARS = {"CLOUD_ML_REGION", "FUNCTION_REGION", "AZUREML_ARM_REGION", "AZUREML_REGION"}
# Present only inside a managed runtime; without one, AWS_REGION & co. may be a laptop's SDK default.
PLATFORM_MARKERS = {
    "aws": ("AWS_EXECUTION_ENV", "ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI", "AWS_BATCH_JOB_ID",
            "SM_CURRENT_HOST", "TRAINING_JOB_NAME", "AWS_LAMBDA_FUNCTION_NAME"),
    "gcp": ("K_SERVICE", "CLOUD_RUN_JOB", "FUNCTION_TARGET", "GAE_SERVICE", "AIP_MODEL_DIR"),
    "azure": ("WEBSITE_SITE_NAME", "WEBSITE_INSTANCE_ID", "FUNCTIONS_WORKER_RUNTIME", "CONTAINER_APP_NAME"),
}
AWS_METADATA = "http://169.254.169.254"
GCP_METADATA = "http://metadata.google.internal"
AZURE_METADATA = "http://169.254.169.254"


def normalize(provider: str, value: str) -> str:
    """'West Europe' -> 'westeurope'; 'projects/1/zones/us-central1-a' -> 'us-central1'."""
    v = value.strip()
    if provider == "azure":
        return re.sub(r"[\s_-]+", "", v).lower()
    if provider == "gcp":
        v = v.rsplit("/", 1)[-1].lower()
        m = re.fullmatch(r"([a-z]+-[a-z]+\d+)-[a-z]", v)  # a zone such as us-central1-a
        return m.group(1) if m else v
    return v.lower()


def _known(provider: str, value: str) -> str | None:
    from . import regions

    rid = f"{provider}:{normalize(provider, value)}"
    return rid if regions.get(rid) is not None else None


def from_environment(env=None) -> tuple[str, str] | None:
    env = os.environ if env is None else env
    for provider, var in ENV_VARS:
        value = env.get(var, "").strip()
        if not value:
            continue
        rid = _known(provider, value)
        if rid:
            marker = next((m for m in PLATFORM_MARKERS[provider] if env.get(m)), None)
            if var in PLATFORM_VARS or marker:
                inside = f" (managed runtime: {marker} is set)" if marker and var not in PLATFORM_VARS else ""
                return rid, f"cloud environment variable {var}={value}{inside}"
            return rid, (f"guessed from {var}={value} (no managed cloud runtime detected, so this may be an SDK "
                         f"default rather than where this runs; pass --region to be sure)")
        log.info("wattwise: %s=%s is not a known %s region; ignoring it", var, value, provider)
    return None


def _get(url: str, headers: dict[str, str], timeout: float, method: str = "GET") -> str | None:
    req = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - fixed link-local URLs
            if r.status != 200:
                return None
            return r.read(256).decode("utf-8", "replace").strip()
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
        return None


def from_metadata(timeout: float | None = None) -> tuple[str, str] | None:
    if timeout is None:
        try:
            timeout = float(os.environ.get("WATTWISE_CLOUD_METADATA_TIMEOUT", "0.5"))
        except ValueError:
            timeout = 0.5
    aws = os.environ.get("WATTWISE_AWS_METADATA_URL", AWS_METADATA).rstrip("/")
    token = _get(f"{aws}/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"}, timeout, method="PUT")
    if token:
        region = _get(f"{aws}/latest/meta-data/placement/region", {"X-aws-ec2-metadata-token": token}, timeout)
        if region and _known("aws", region):
            return _known("aws", region), "cloud metadata endpoint (AWS IMDSv2)"
    gcp = os.environ.get("WATTWISE_GCP_METADATA_URL", GCP_METADATA).rstrip("/")
    zone = _get(f"{gcp}/computeMetadata/v1/instance/zone", {"Metadata-Flavor": "Google"}, timeout)
    if zone and _known("gcp", zone):
        return _known("gcp", zone), "cloud metadata endpoint (GCP)"
    azure = os.environ.get("WATTWISE_AZURE_METADATA_URL", AZURE_METADATA).rstrip("/")
    loc = _get(f"{azure}/metadata/instance/compute/location?api-version=2021-02-01&format=text", {"Metadata": "true"},
               timeout)
    if loc and _known("azure", loc):
        return _known("azure", loc), "cloud metadata endpoint (Azure IMDS)"
    return None


def detect_cloud_region() -> tuple[str, str] | None:
    """(region id such as 'aws:us-east-1', how it was found) or None."""
    found = from_environment()
    if found:
        return found
    from .intensity.base import offline

    if os.environ.get("WATTWISE_CLOUD_METADATA", "").strip().lower() in ("1", "true", "yes", "on") and not offline():
        return from_metadata()
    return None
