# checkin-bot: one image for `serve`, `db upgrade` and every other command.
#
#   docker build -t checkin-bot .                                  # on the official Python image
#   buildah bud --build-arg BASE=localhost/debian:bookworm ...     # on a plain Debian base (scripts/build-image)
#
# Both stages use the same base, so the virtual environment built in the first finds the same Python
# at the same path in the second. A base without python3 (plain Debian) gets Debian's python3, 3.11 on bookworm.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008  # versions come with the base release (bookworm), not pinned one by one
RUN if ! command -v python3 >/dev/null; then \
      apt-get update \
      && apt-get install -y --no-install-recommends python3 python3-venv \
      && apt-get clean && rm -rf /var/lib/apt/lists/*; \
    fi \
    && python3 -m venv /opt/checkin-bot
ENV PATH=/opt/checkin-bot/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
# Behind a TLS-inspecting proxy, scripts/build-image mounts the host's CA bundle for pip and names it here;
# it is a build argument of this stage only, so nothing of it reaches the final image.
ARG PIP_CERT=""
# The dependencies first, in their own layer: a change to the code does not download them again.
COPY pyproject.toml ./
RUN if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
    && python3 -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"], sep="\n")' \
       > /tmp/requirements.txt \
    && pip install --requirement /tmp/requirements.txt
# Then the project as a wheel, installed from it: the final stage gets an installed package, never the source
# tree (.dockerignore keeps tests, local databases and secrets out of the build context).
COPY . .
RUN if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
    && pip wheel --no-deps --wheel-dir /wheels . \
    && pip install --no-deps /wheels/*.whl \
    && pip uninstall --yes pip setuptools

FROM ${BASE}
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# fonts-noto-cjk: charts in the HR digest show Chinese team names instead of boxes.
# hadolint ignore=DL3008  # versions come with the base release (bookworm), not pinned one by one
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && if ! command -v python3 >/dev/null; then apt-get install -y --no-install-recommends python3; fi \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --home-dir /data --create-home --shell /usr/sbin/nologin checkin
COPY --from=builder /opt/checkin-bot /opt/checkin-bot
# MPLCONFIGDIR under /tmp: matplotlib caches its font list there, and the root filesystem may be read-only.
ENV PATH=/opt/checkin-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
# The working directory holds the default SQLite file (sqlite:///checkin.db) and an optional .env.
WORKDIR /data
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["checkin-bot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
