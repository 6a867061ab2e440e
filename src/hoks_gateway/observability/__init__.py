"""What a running gateway tells its operators: Prometheus metrics and OpenTelemetry traces
(docs/operations.md, "Observing")."""
