"""GenAI spans sent to Flightdeck with the real OpenTelemetry SDK and its OTLP/HTTP exporter.

Configured only by the environment, as an instrumented agent would be
(OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_COMPRESSION):
an agent span holding two model calls of two models (one failing, one with the older
attribute names), a tool run and a span that is not GenAI, exported as one batch, then the
same batch again, as an exporter's retry sends it. Prints one line per export.
"""

import sys

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

finished = InMemorySpanExporter()
provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
provider.add_span_processor(SimpleSpanProcessor(finished))
tracer = provider.get_tracer("flightdeck-test")

with tracer.start_as_current_span(
    "invoke_agent Support",
    attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Support"},
):
    with tracer.start_as_current_span(
        "chat gpt-4o",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.response.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 120,
            "gen_ai.usage.output_tokens": 30,
            "gen_ai.conversation.id": "conv-otel-1",
        },
    ):
        pass
    with tracer.start_as_current_span(
        "anthropic.chat",
        attributes={
            "gen_ai.system": "anthropic",
            "gen_ai.request.model": "claude-3-5-sonnet",
            "gen_ai.usage.prompt_tokens": 40,
            "gen_ai.usage.completion_tokens": 10,
        },
    ) as span:
        span.set_status(Status(StatusCode.ERROR, "overloaded"))
    with tracer.start_as_current_span(
        "execute_tool get_weather",
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "get_weather",
            "gen_ai.agent.name": "Support",
        },
    ):
        pass
    with tracer.start_as_current_span("GET /internal", attributes={"http.request.method": "GET"}):
        pass

spans = finished.get_finished_spans()
assert len(spans) == 5, spans
exporter = OTLPSpanExporter()
for attempt in ("first", "retry"):
    result = exporter.export(spans)
    print(f"{attempt}: {result.name}", flush=True)
    if result != SpanExportResult.SUCCESS:
        sys.exit(1)
exporter.shutdown()
