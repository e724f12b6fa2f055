"""Cloud region detection: environment variables, opt-in metadata endpoints, and how it is reported."""
from __future__ import annotations

import pytest
from ci_payloads import hits

from wattwise import cloud
from wattwise.intensity import static_intensity
from wattwise.location import guess_region

CLOUD_VARS = [v for _, v in cloud.ENV_VARS] + [m for ms in cloud.PLATFORM_MARKERS.values() for m in ms]


@pytest.fixture(autouse=True)
def clean_cloud_env(monkeypatch):
    for v in CLOUD_VARS + ["WATTWISE_CLOUD_METADATA"]:
        monkeypatch.delenv(v, raising=False)


@pytest.mark.parametrize("env,expect", [
    ({"AWS_REGION": "eu-west-3", "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE"}, "aws:eu-west-3"),
    ({"CLOUD_ML_REGION": "europe-west4"}, "gcp:europe-west4"),
    ({"FUNCTION_REGION": "us-central1"}, "gcp:us-central1"),
    ({"REGION_NAME": "West Europe", "WEBSITE_SITE_NAME": "myapp"}, "azure:westeurope"),
    ({"AZUREML_ARM_REGION": "swedencentral"}, "azure:swedencentral"),
])
def test_platform_variables_identify_the_region(monkeypatch, env, expect):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    rid, how = guess_region()
    assert rid == expect and "cloud environment variable" in how and not how.startswith("guessed")
    i = static_intensity(None)
    assert i.region == expect and i.region_from == how and not i.estimated


def test_a_bare_sdk_default_is_only_a_guess(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    rid, how = guess_region()
    assert rid == "aws:us-east-1" and how.startswith("guessed") and "--region" in how
    assert static_intensity(None).estimated


def test_explicit_settings_beat_the_cloud(monkeypatch):
    monkeypatch.setenv("CLOUD_ML_REGION", "europe-west4")
    monkeypatch.setenv("WATTWISE_REGION", "FR")
    assert guess_region() == ("FR", "WATTWISE_REGION")
    assert static_intensity("DE").zone == "DE"


def test_unknown_region_value_is_ignored(monkeypatch):
    monkeypatch.setenv("CLOUD_ML_REGION", "mars-north1")
    assert cloud.from_environment() is None


def test_normalize():
    assert cloud.normalize("gcp", "projects/123/zones/us-central1-a") == "us-central1"
    assert cloud.normalize("azure", "East US 2") == "eastus2"
    assert cloud.normalize("aws", "EU-WEST-1") == "eu-west-1"


def test_metadata_is_not_asked_unless_enabled(server, online):
    server.expect_request("/latest/api/token", method="PUT").respond_with_data("tok")
    assert cloud.detect_cloud_region() is None
    assert hits(server, "/") == 0


def test_aws_imdsv2(server, online, monkeypatch):
    monkeypatch.setenv("WATTWISE_CLOUD_METADATA", "1")
    monkeypatch.setenv("WATTWISE_AWS_METADATA_URL", server.url_for(""))
    server.expect_request("/latest/api/token", method="PUT",
                          headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}).respond_with_data("tok-9")
    server.expect_request("/latest/meta-data/placement/region",
                          headers={"X-aws-ec2-metadata-token": "tok-9"}).respond_with_data("ap-southeast-2")
    assert cloud.detect_cloud_region() == ("aws:ap-southeast-2", "cloud metadata endpoint (AWS IMDSv2)")


def test_gcp_and_azure_metadata(server, online, monkeypatch):
    monkeypatch.setenv("WATTWISE_CLOUD_METADATA", "1")
    dead = "http://127.0.0.1:9"  # nothing listens: fails fast
    monkeypatch.setenv("WATTWISE_AWS_METADATA_URL", dead)
    monkeypatch.setenv("WATTWISE_GCP_METADATA_URL", server.url_for(""))
    server.expect_request("/computeMetadata/v1/instance/zone", headers={"Metadata-Flavor": "Google"}) \
        .respond_with_data("projects/4242/zones/europe-west1-b")
    assert cloud.detect_cloud_region() == ("gcp:europe-west1", "cloud metadata endpoint (GCP)")
    server.clear()
    monkeypatch.setenv("WATTWISE_GCP_METADATA_URL", dead)
    monkeypatch.setenv("WATTWISE_AZURE_METADATA_URL", server.url_for(""))
    server.expect_request("/metadata/instance/compute/location", headers={"Metadata": "true"},
                          query_string={"api-version": "2021-02-01", "format": "text"}).respond_with_data("uksouth")
    rid, how = guess_region()
    assert rid == "azure:uksouth" and "Azure IMDS" in how


def test_slow_metadata_times_out_quickly(server, online, monkeypatch):
    import threading
    import time

    from werkzeug import Response

    release = threading.Event()

    def slow(request):
        release.wait(5)
        return Response("us-east-1")

    monkeypatch.setenv("WATTWISE_CLOUD_METADATA", "1")
    monkeypatch.setenv("WATTWISE_CLOUD_METADATA_TIMEOUT", "0.1")
    for var in ("WATTWISE_AWS_METADATA_URL", "WATTWISE_GCP_METADATA_URL", "WATTWISE_AZURE_METADATA_URL"):
        monkeypatch.setenv(var, server.url_for(""))
    server.expect_request("/latest/api/token").respond_with_handler(slow)
    server.expect_request("/computeMetadata/v1/instance/zone").respond_with_handler(slow)
    server.expect_request("/metadata/instance/compute/location").respond_with_handler(slow)
    try:
        assert cloud.from_metadata() is None
    finally:
        release.set()
        time.sleep(0.2)  # let the server finish those requests before the next test


def test_offline_never_asks_metadata(server, monkeypatch):
    monkeypatch.setenv("WATTWISE_CLOUD_METADATA", "1")
    monkeypatch.setenv("WATTWISE_AWS_METADATA_URL", server.url_for(""))
    assert cloud.detect_cloud_region() is None
    assert hits(server, "/") == 0
