# Stand-in for python:3.11-slim-bookworm: Debian's python3.11 with `python` and a `pip` that installs
# system-wide like the official image's (no venv, no PEP 668 refusal). Built by build.sh.
ARG BASE=silkwire-standin/bookworm:minbase
FROM ${BASE}
ENV LANG=C.UTF-8
COPY --chmod=0755 apt-install /usr/local/sbin/apt-install
RUN --mount=type=secret,id=ca-bundle,target=/run/secrets/ca-bundle \
    apt-install python3.11 python3-pip python-is-python3 ca-certificates \
    && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \
    && python --version && pip --version
CMD ["python3"]
