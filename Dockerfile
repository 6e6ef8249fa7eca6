# The badbuzz worker (and its CLI: simulate, replay) for docker compose and production.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY vocabulary ./vocabulary
COPY streams ./streams
COPY detectors ./detectors
COPY alerts ./alerts
# Production talks to Kafka: no embedded broker, no test tools.
RUN pip install .

RUN useradd --create-home --uid 10001 badbuzz
USER badbuzz
WORKDIR /home/badbuzz
ENV BADBUZZ_DATA_DIR=/home/badbuzz/state \
    BADBUZZ_WEB_PORT=6066

# Faust's web server: /metrics for Prometheus.
EXPOSE 6066
ENTRYPOINT ["badbuzz"]
CMD ["worker"]
