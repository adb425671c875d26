# Stand-in for prom/prometheus:v2.42.0 (deploy/compose.yaml, monitoring profile): Debian bookworm's
# prometheus package (2.42.0) with the official image's layout: runs as nobody, data in /prometheus,
# /bin/prometheus as entry point. wget answers the compose healthcheck, as busybox's does in the original.
# Built by build.sh.
ARG BASE=silkwire-standin/bookworm:minbase
FROM ${BASE}
ENV LANG=C.UTF-8
COPY --chmod=0755 apt-install /usr/local/sbin/apt-install
RUN --mount=type=secret,id=ca-bundle,target=/run/secrets/ca-bundle \
    apt-install prometheus wget \
    && install -d -o nobody -g nogroup /prometheus
USER 65534:65534
WORKDIR /prometheus
VOLUME /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
