# Stand-in for redis:7-bookworm: Debian's redis-server (7.0) with a docker-entrypoint.sh that drops
# to the redis user, data in /data, as in the official image. Built by build.sh.
ARG BASE=silkwire-standin/bookworm:minbase
FROM ${BASE}
ENV LANG=C.UTF-8
COPY --chmod=0755 apt-install /usr/local/sbin/apt-install
RUN --mount=type=secret,id=ca-bundle,target=/run/secrets/ca-bundle \
    apt-install redis-server redis-tools \
    && install -d -o redis -g redis /data
COPY --chmod=0755 redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
