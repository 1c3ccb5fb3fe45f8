"""The JSON API under ``/api/v1``, an application of its own so that its
OpenAPI document (``/api/v1/openapi.json``) describes the API and nothing else."""
